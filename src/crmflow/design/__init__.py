"""To-Be design as code: the definition format, safe expressions, compilation to BPMN."""
