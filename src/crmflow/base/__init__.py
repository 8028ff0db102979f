"""The base layer: what several stages share, below all of them.

:mod:`~crmflow.base.version` (the version written into documents), :mod:`~crmflow.base.numbers` (how
each language writes numbers, shares and durations), :mod:`~crmflow.base.markup` (escaping for
HTML/SVG/XML) and :mod:`~crmflow.base.xml` (safe XML screening). Together with the foundation modules
``errors``, ``i18n``, ``settings``, ``jsonable``, ``durations`` and ``yamlfile`` it imports no stage.
"""
