"""The safe interpreter for what users type: expressions and lesson files.

It walks Python's ``ast`` over a whitelist and calls only what its tables allow;
nothing is ever passed to ``eval``, ``exec`` or ``compile``. Modules:

- ``source``: the source text, its offsets, the character checks, ``ExpressionError``;
- ``names``: the rule for variable names (every place that accepts a name calls it);
- ``limits``: the sizes predicted before the work (``GuardError``);
- ``tables``: the whitelist (functions, methods, attributes, keywords, operators);
- ``validator``: refusals before anything runs; ``evaluator``: the interpreter;
- ``expression``: one-line expressions (``evaluate``, ``check``);
- ``lesson``: lesson files run cell by cell, as a notebook runs them.
"""
