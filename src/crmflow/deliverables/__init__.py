"""The audit pack: documents, workbooks and diagrams generated from the To-Be and the audit."""
