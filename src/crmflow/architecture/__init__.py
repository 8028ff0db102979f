"""Data and integration architecture drawn from data: ERD and DFD."""
