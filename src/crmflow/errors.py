"""The exception tree of crmflow.

Every error crmflow raises on purpose derives from :class:`CrmflowError`; the CLI turns
these into a readable message without a traceback (``--debug`` shows it)::

    CrmflowError
    ├── InputError              the user's file cannot be read as asked
    │   ├── UnsupportedFormatError   no reader for this file type
    │   ├── ColumnMappingError       a required column is missing or ambiguous
    │   ├── UnsafeInputError         XML entities, decompression bombs, oversize lines
    │   ├── EmptyLogError            nothing usable was left after ingestion
    │   ├── SourceError              a CRM export or API response is not what its adapter expects
    │   └── ObjectModelError         an object model / integration inventory YAML is invalid (names the key)
    ├── CrmApiError             (sources/) a CRM API call failed (status, method, what to do)
    │   └── ApiUnreachableError      no HTTP answer at all (connection, timeout); retried
    ├── QualityRulesError       the data-quality rules (YAML) are invalid (names the key and the fix)
    │   └── DuplicateDetectionError  (quality/linkage_model.py) the linkage model could not score the table
    ├── ToBeError               a To-Be definition is invalid (names the file, line and key)
    ├── ExpressionError         a condition/rule expression cannot be parsed or evaluated
    ├── DurationError           a duration (PT10M, 1h30m) cannot be read
    ├── PackError               the audit pack cannot be generated (names the document and the cause)
    ├── RulesError              the rules YAML is invalid (names the key and the fix)
    ├── StoreError              the project store cannot be opened or is inconsistent
    ├── BpmnError               a BPMN model or file is invalid (names the element id)
    ├── PetriNetError           (conformance/petrinet.py) a malformed Petri net
    ├── AlignmentError          (conformance/alignments.py) the model cannot reach its final marking
    ├── DiscoveryError          (discovery/inductive.py) nothing to discover, bad threshold
    ├── ProcessTreeError        (discovery/process_tree.py) a malformed process tree
    └── ProcessMapError         the process map could not be drawn
        └── GraphvizNotFoundError    Graphviz's `dot` is missing (the message says how to install it)

Messages are sentences that name the file, row, column and value and say what was expected.
"""

from __future__ import annotations


class CrmflowError(Exception):
    """Root of every error crmflow raises on purpose."""


class InputError(CrmflowError):
    """An input file cannot be read as asked."""


class UnsupportedFormatError(InputError):
    """No reader knows this file type."""


class ColumnMappingError(InputError):
    """A required column (case id, activity, timestamp) is missing or ambiguous."""


class UnsafeInputError(InputError):
    """The input is hostile or too large to read safely (XML entities, bombs, huge lines)."""


class EmptyLogError(InputError):
    """No event survived ingestion; every row went to the quarantine."""


class SourceError(InputError):
    """A CRM export or saved API response does not have the shape its adapter expects."""


class ObjectModelError(InputError):
    """An object-model or integration-inventory YAML file is invalid (names the file, key and fix)."""


class CrmApiError(CrmflowError):
    """A live CRM API call failed (HTTP status, method, and what to do about it)."""


class ApiUnreachableError(CrmApiError):
    """The CRM API gave no HTTP answer (connection refused or reset, timeout)."""


class QualityRulesError(CrmflowError):
    """The data-quality rules (YAML) are invalid."""


class DuplicateDetectionError(QualityRulesError):
    """Duplicate detection could not score an entity table (the message says why and what to change)."""


class ToBeError(CrmflowError):
    """A To-Be definition is invalid: the message names the file, line and key."""


class ExpressionError(CrmflowError):
    """A condition or rule expression cannot be parsed or evaluated (names the position)."""


class DurationError(CrmflowError):
    """A duration (``PT10M``, ``1h30m``) cannot be read (names the text and the expected form)."""


class PackError(CrmflowError):
    """The audit pack (documents, workbooks, diagrams) cannot be generated."""


class RulesError(CrmflowError):
    """The audit rules (YAML) are invalid."""


class StoreError(CrmflowError):
    """The DuckDB project store cannot be opened or is inconsistent."""


class BpmnError(CrmflowError):
    """A BPMN model or file is invalid: a dangling reference, a duplicate id, a bad element."""


class ProcessMapError(CrmflowError):
    """The process map could not be drawn (Graphviz failed or is missing)."""


class GraphvizNotFoundError(ProcessMapError):
    """Graphviz's ``dot`` program is not installed or not on ``PATH``."""


__all__ = [
    "ApiUnreachableError",
    "BpmnError",
    "ColumnMappingError",
    "CrmApiError",
    "CrmflowError",
    "DurationError",
    "EmptyLogError",
    "ExpressionError",
    "GraphvizNotFoundError",
    "InputError",
    "ObjectModelError",
    "PackError",
    "ProcessMapError",
    "QualityRulesError",
    "RulesError",
    "SourceError",
    "StoreError",
    "ToBeError",
    "UnsafeInputError",
    "UnsupportedFormatError",
]


# --- issue 18 (nothing lost): row accounting and store consistency


class RowAccountingError(InputError):
    """(ingest/csv.py) the records a reader loaded do not add up to the records counted from the file's bytes."""


class StoreInconsistentError(StoreError):
    """(store/consistency.py) a project store's ingestions, events and quarantine do not add up (names the fix)."""


__all__ += ["RowAccountingError", "StoreInconsistentError"]
