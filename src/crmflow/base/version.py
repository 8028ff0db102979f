"""The version of crmflow, written into every document it produces (``audit.json``, ``quality.json``, the pack).

>>> __version__.count(".") >= 1
True
"""

from __future__ import annotations

__version__ = "0.1.0"
