"""The typed results of the audit, as the report, the pack, the engine, the web app and the simulation read them.

:class:`~crmflow.results.audit.AuditDocument` holds every section of ``audit.json`` typed
(:mod:`crmflow.results.sections` for the sections without a type of their own elsewhere).
"""
