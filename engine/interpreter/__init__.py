"""The safe interpreter for what users type: expressions and lesson files.

It walks Python's ``ast`` over a whitelist and calls only what its tables allow;
nothing is ever passed to ``eval``, ``exec`` or ``compile``. Modules:

- ``source``: the source text, its offsets, the character checks, ``ExpressionError``;
- ``safe_ast``: the whitelist, the validator and the evaluator with their limits;
- ``expression``: one-line expressions (``evaluate``, ``check``);
- ``lesson``: lesson files run cell by cell, as a notebook runs them.
"""
