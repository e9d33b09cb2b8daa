"""Register every Blender class of the extension by discovery.

Each module of the `addon` and `operators` packages (and their subpackages) may define:

* `CLASSES`: a tuple of bpy classes, registered in order;
* `REGISTER_PRIORITY`: an int (default 50, lower registers first; property groups use 0
  because panels and operators refer to them);
* `register_module()` / `unregister_module()`: called after its classes are registered /
  before they are unregistered (for `PointerProperty` on ID types, handlers, menus).

So adding a module with a `CLASSES` tuple is enough to get it registered: nobody edits this
file. Unregistering walks the same list backwards and tolerates a half-finished register.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import bpy

DEFAULT_PRIORITY = 50
_SUBPACKAGES = ("...addon", "...operators")

# Modules whose classes are currently registered, in registration order.
_registered_modules: list[ModuleType] = []


def discover_modules() -> list[ModuleType]:
    """Import every module of the discovered subpackages and theirs (addon/ui, addon/build, ...),
    sorted by priority then name."""
    modules = []
    for relative in _SUBPACKAGES:
        package = importlib.import_module(relative, __package__)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.ispkg or info.name.rpartition(".")[2].startswith("_"):
                continue
            modules.append(importlib.import_module(info.name))
    return sorted(modules, key=lambda m: (getattr(m, "REGISTER_PRIORITY", DEFAULT_PRIORITY), m.__name__))


def register() -> None:
    if _registered_modules:  # a second register() without unregister(): start clean
        unregister()
    for module in discover_modules():
        classes = getattr(module, "CLASSES", ())
        hook = getattr(module, "register_module", None)
        if not classes and hook is None:
            continue
        _registered_modules.append(module)
        for cls in classes:
            bpy.utils.register_class(cls)
        if hook is not None:
            hook()


def unregister() -> None:
    while _registered_modules:
        module = _registered_modules.pop()
        hook = getattr(module, "unregister_module", None)
        if hook is not None:
            hook()
        for cls in reversed(getattr(module, "CLASSES", ())):
            if getattr(cls, "is_registered", False):
                bpy.utils.unregister_class(cls)
