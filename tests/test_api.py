"""The embedding API as an integrator sees it: names, imports, threads."""

from __future__ import annotations

import pkgutil

import spotcheck_rules


def test_no_submodule_shadows_a_public_name() -> None:
    # `import spotcheck_rules.X` sets the package attribute X to the module: a module named
    # like a public function would replace the function (issue 9: `aggregate` was the module).
    modules = {m.name for m in pkgutil.iter_modules(spotcheck_rules.__path__)}
    assert modules & set(spotcheck_rules.__all__) == set()
