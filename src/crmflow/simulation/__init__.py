"""Simulation: the As-Is discovered from a log, the To-Be and what-if scenarios, run on one simulator.

``discover.py`` (log → :class:`~crmflow.simulation.model.SimulationModel`), ``simulator.py`` (the event
heap), ``kpis.py`` (the audit's KPIs from a log or a replication), ``tobe.py`` (To-Be → model),
``scenarios.py`` (what-if YAML), ``economics.py`` (P&L), ``run.py`` (``crmflow simulate``), ``html.py``.
"""
