"""Two import-linter contract types of our own (configured in pyproject.toml [tool.importlinter]).

- acyclic_modules: no module imports itself through others (a circle of any length, across
  packages or within one; a function-level import counts like any other).
- no_private_names: no module takes an _underscored name from another module (`from x import _y`
  or `x._y` on an imported module): a name that is private to its module stays there.
"""

import ast
import importlib.util

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _circles(graph, modules):
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose):
        modules = {m for m in graph.modules if any(m == p or m.startswith(p + ".") for p in self.packages)}
        circles = []
        for component in _circles(graph, modules):
            members = set(component)
            edges = []
            for importer in component:
                for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
                    for detail in graph.get_import_details(importer=importer, imported=imported):
                        edges.append(f"{importer}:{detail['line_number']} {detail['line_contents']}")
            circles.append({"modules": component, "imports": edges})
        return ContractCheck(kept=not circles, metadata={"circles": circles})

    def render_broken_contract(self, check):
        for circle in check.metadata["circles"]:
            output.print_error(" <-> ".join(circle["modules"]))
            for edge in circle["imports"]:
                output.indent_cursor()
                output.print(edge)
            output.new_line()


def _source(module):
    spec = importlib.util.find_spec(module)
    return spec.origin if spec and spec.origin and spec.origin.endswith(".py") else None


class NoPrivateNamesContract(Contract):
    type_name = "no_private_names"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose):
        modules = {m for m in graph.modules if any(m == p or m.startswith(p + ".") for p in self.packages)}
        found = []
        for module in sorted(modules):
            path = _source(module)
            if path is None:
                continue
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), path)
            imported_modules = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module in modules and node.level == 0:
                    for alias in node.names:
                        full = f"{node.module}.{alias.name}"
                        if full in modules:
                            imported_modules[alias.asname or alias.name] = full
                        elif _private(alias.name):
                            found.append(f"{module}:{node.lineno} from {node.module} import {alias.name}")
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in imported_modules
                    and _private(node.attr)
                ):
                    found.append(f"{module}:{node.lineno} {imported_modules[node.value.id]}.{node.attr}")
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check):
        for line in check.metadata["found"]:
            output.print_error(line, bold=False)
            output.new_line()


def _private(name):
    return name.startswith("_") and not name.startswith("__")
