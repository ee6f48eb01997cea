"""The interpreter's own functions, classes and instances (never Python functions or classes).

A lesson's ``def`` and ``lambda`` make a ``UserFunction`` that holds the syntax tree and
the scope it was defined in; calling it asks the interpreter that made it to run the body.
``class`` makes a ``UserClass``; its instances are ``Instance`` objects whose attributes
live in a plain dict. Nothing here is compiled, and none of these objects exposes a
frame, a code object or a module: the interpreter reads their attributes from the
dict only, and refuses names starting with ``_`` (but ``__init__`` and friends, which
it calls itself).

>>> f = UserFunction("f", None, None, None)
>>> f
<function f>
"""

from __future__ import annotations

__all__ = ["UserFunction", "UserClass", "Instance", "BoundMethod", "Super", "Return",
           "SPECIAL_METHODS"]

# Methods a lesson's class may define although they start with '_': the interpreter calls
# them itself (construction, a call, printing, len()).
SPECIAL_METHODS = frozenset({"__init__", "__call__", "__repr__", "__str__", "__len__"})


class Return(Exception):  # noqa: N818 - a signal, not an error
    """``return value`` inside a function: caught by the call that runs it."""

    def __init__(self, value):
        super().__init__()
        self.value = value


class UserFunction:
    """A ``def`` or ``lambda`` of a lesson: its tree, defaults and defining scope.

    ``interpreter.call_function(self, args, kwargs)`` runs it; calling the object from
    engine code (a hook, a ``sorted`` key) does the same, under the same limits.
    """

    __slots__ = ("name", "node", "interpreter", "scope", "defaults", "kw_defaults",
                 "context", "owner")

    def __init__(self, name, node, interpreter, scope, defaults=(), kw_defaults=None,
                 context=None):
        self.name = name
        self.node = node
        self.interpreter = interpreter
        self.scope = scope
        self.defaults = tuple(defaults)
        self.kw_defaults = dict(kw_defaults or {})
        self.context = context  # a grad-mode decorator: entered around each call
        self.owner = None  # the class a method was defined in (for super())

    def __call__(self, *args, **kwargs):
        return self.interpreter.call_function(self, args, kwargs)

    def __repr__(self) -> str:
        if self.owner is not None:
            return f"<function {self.owner.name}.{self.name}>"
        return f"<function {self.name}>"


class UserClass:
    """A ``class`` of a lesson: name, bases (its own classes) and the class body's names."""

    __slots__ = ("name", "bases", "namespace", "base_type")

    def __init__(self, name, bases, namespace, base_type=None):
        self.name = name
        self.bases = tuple(bases)
        self.namespace = dict(namespace)
        self.base_type = base_type  # an engine class it extends (torch.nn.Module), or None

    def mro(self) -> list:
        order, stack = [], [self]
        while stack:
            cls = stack.pop(0)
            if cls not in order:
                order.append(cls)
                stack.extend(cls.bases)
        return order

    def lookup(self, name, *, after=None):
        """The class attribute ``name`` along the bases (after class ``after``, for super())."""
        order = self.mro()
        if after is not None:
            order = order[order.index(after) + 1:] if after in order else []
        for cls in order:
            if name in cls.namespace:
                return cls, cls.namespace[name]
        return None, None

    def is_subclass(self, other) -> bool:
        return other in self.mro()

    def engine_base(self):
        for cls in self.mro():
            if cls.base_type is not None:
                return cls.base_type
        return None

    def __repr__(self) -> str:
        return f"<class '__main__.{self.name}'>"


class Instance:
    """An object of a lesson's class: its class and its attributes (a plain dict).

    ``base`` is the engine object behind an instance of an engine class's subclass
    (an ``nn.Module``): its parameters and submodules live there, as torch keeps them.
    """

    __slots__ = ("cls", "attributes", "base", "__weakref__")

    def __init__(self, cls: UserClass, base=None):
        self.cls = cls
        self.attributes = {}
        self.base = base

    def __repr__(self) -> str:
        return self.cls.namespace.get("__repr_cache__") or (
            f"<__main__.{self.cls.name} object>")


class BoundMethod:
    """A method taken from an instance: calling it passes the instance first."""

    __slots__ = ("function", "instance")

    def __init__(self, function: UserFunction, instance):
        self.function = function
        self.instance = instance

    def __call__(self, *args, **kwargs):
        return self.function(self.instance, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<bound method {self.function.name} of {self.instance!r}>"


class Super:
    """``super()`` inside a method: attribute lookup starts after the method's class."""

    __slots__ = ("cls", "instance")

    def __init__(self, cls: UserClass, instance):
        self.cls = cls
        self.instance = instance

    def __repr__(self) -> str:
        return f"<super: <class '{self.cls.name}'>, <{self.cls.name} object>>"
