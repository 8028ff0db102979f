"""The engine: runs the compiled To-Be BPMN durably (SQLite or PostgreSQL) and writes its own events to the store."""
