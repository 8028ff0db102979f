"""The web app behind ``crmflow serve``: import and audit, process explorer, dashboard, task inbox.

:func:`crmflow.web.app.create_app` builds the ASGI app; everything it shows comes from the library.
"""
