"""The Sign-In base URL without importing botocore, from botocore's own rules data.

Printing the sign-in URL is the first thing ``login`` does, and importing botocore with
awscrt costs most of a second. The URL needs only botocore's endpoint rule set for
``signin`` and its partitions table, which are plain JSON files inside the botocore
package: they are read from there (found without importing botocore) and evaluated here.

Only the common case is handled: no FIPS or dual-stack setting, no custom data path, no
endpoint in the config file, no rule-set input this module does not know. Otherwise
(and for any rule-set function not implemented here, or any error rule) it answers None
and botocore resolves the endpoint as before. Either way the login confirms the answer
with botocore itself before a code is exchanged (``login.confirm_endpoint``), and the
tests compare both for every region of every partition.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import os
import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SERVICE = "signin"
OPERATION = "CreateOAuth2Token"

# Settings that change botocore's answer in ways this module does not follow.
_ENV_OVERRIDES = ("AWS_DATA_PATH", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
                  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
_PROFILE_OVERRIDES = ("data_path", "use_fips_endpoint", "use_dualstack_endpoint",
                      "ignore_configured_endpoint_urls", "endpoint_url", "services")


class _Unsupported(Exception):
    """Something this evaluator does not do: let botocore answer."""


def _botocore_data() -> Path | None:
    spec = importlib.util.find_spec("botocore")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read(stem: Path) -> Any:
    """``stem``.json or ``stem``.json.gz, as botocore's loader reads them."""
    plain = stem.with_name(stem.name + ".json")
    if plain.is_file():
        return json.loads(plain.read_bytes())
    return json.loads(gzip.decompress(stem.with_name(stem.name + ".json.gz").read_bytes()))


@functools.lru_cache(maxsize=1)
def _rules_data() -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]] | None:
    """(rule set, partitions, the operation's model) from botocore's data, or None."""
    data = _botocore_data()
    if data is None:
        return None
    try:
        versions = sorted(p for p in (data / SERVICE).iterdir() if p.is_dir())
        if not versions:
            return None
        latest = versions[-1]
        if any(p.name.startswith("service-2.sdk-extras") for p in latest.iterdir()):
            return None  # extras may change the model: botocore merges them
        ruleset = _read(latest / "endpoint-rule-set-1")
        model = _read(latest / "service-2")
        partitions = _read(data / "partitions")["partitions"]
        operation = model["operations"][OPERATION]
        members = model["shapes"][operation["input"]["shape"]].get("members", {})
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if any("contextParam" in member for member in members.values()):
        return None  # the request's own fields would feed the rules
    return ruleset, partitions, operation


def _customer_models_override() -> bool:
    models = Path(os.path.expanduser("~")) / ".aws" / "models"
    return (models / SERVICE).exists() or any(models.glob("partitions.json*"))


def builtin_partitions() -> list[dict[str, Any]] | None:
    """botocore's own partitions table, unless a data path of the user's may replace it."""
    if os.environ.get("AWS_DATA_PATH") or _customer_models_override():
        return None
    data = _rules_data()
    return data[1] if data is not None else None


def configured_endpoint(environ: Mapping[str, str]) -> str | None:
    """The endpoint URL the environment gives Sign-In (botocore's order), if any."""
    return environ.get("AWS_ENDPOINT_URL_SIGNIN") or environ.get("AWS_ENDPOINT_URL") or None


def predict_signin_base(region: str, *, endpoint_url: str | None,
                        settings: Mapping[str, str],
                        environ: Mapping[str, str] | None = None) -> str | None:
    """The base URL botocore would resolve, or None when only botocore can tell.

    ``settings`` are the config-file settings botocore would use (the profile's, or the
    default profile's when the profile does not exist yet).
    """
    environ = os.environ if environ is None else environ
    if any(environ.get(name) for name in _ENV_OVERRIDES):
        return None
    if any(key in settings for key in _PROFILE_OVERRIDES) or _customer_models_override():
        return None
    data = _rules_data()
    if data is None:
        return None
    ruleset, partitions, operation = data
    endpoint = endpoint_url or configured_endpoint(environ)
    params: dict[str, Any] = {"Region": region, "UseFIPS": False, "UseDualStack": False,
                              "Endpoint": endpoint}
    builtins = {"AWS::Region": "Region", "AWS::UseFIPS": "UseFIPS",
                "AWS::UseDualStack": "UseDualStack", "SDK::Endpoint": "Endpoint"}
    try:
        scope = _parameters(ruleset.get("parameters", {}), params, builtins,
                            operation.get("staticContextParams", {}))
        url = _evaluate_rules(ruleset["rules"], scope, partitions)
    except (_Unsupported, KeyError, TypeError, IndexError, ValueError, re.error):
        return None
    if not isinstance(url, str) or not url:
        return None
    return url.rstrip("/")


def _parameters(spec: Mapping[str, Any], values: Mapping[str, Any],
                builtins: Mapping[str, str], static: Mapping[str, Any]) -> dict[str, Any]:
    scope: dict[str, Any] = {}
    for name, declared in spec.items():
        builtin = declared.get("builtIn")
        if builtin is not None:
            if builtin not in builtins:
                raise _Unsupported(builtin)
            value = values[builtins[builtin]]
        elif name in static:
            value = static[name]["value"]
        else:
            value = None  # a client context parameter: botocore leaves it unset too
        if value is None:
            value = declared.get("default")
        if value is None and declared.get("required"):
            raise _Unsupported(f"required parameter {name}")
        scope[name] = value
    return scope


def _evaluate_rules(rules: list[dict[str, Any]], scope: dict[str, Any],
                    partitions: list[dict[str, Any]]) -> str | None:
    for rule in rules:
        local = dict(scope)  # rules do not share what their conditions assign
        if not all(_condition(c, local, partitions) for c in rule.get("conditions", [])):
            continue
        kind = rule.get("type")
        if kind == "endpoint":
            return _value(rule["endpoint"]["url"], local, partitions)
        if kind == "tree":
            found = _evaluate_rules(rule["rules"], local, partitions)
            if found is not None:
                return found
            continue
        raise _Unsupported(f"rule type {kind}")  # "error": botocore says it best
    return None


def _condition(condition: dict[str, Any], scope: dict[str, Any],
               partitions: list[dict[str, Any]]) -> bool:
    result = _call(condition, scope, partitions)
    if "assign" in condition:
        if condition["assign"] in scope:
            raise _Unsupported("reassigned variable")
        scope[condition["assign"]] = result
    return result is not None and result is not False


def _value(value: Any, scope: dict[str, Any], partitions: list[dict[str, Any]]) -> Any:
    if isinstance(value, dict) and "fn" in value:
        return _call(value, scope, partitions)
    if isinstance(value, dict) and "ref" in value:
        return scope.get(value["ref"])
    if isinstance(value, str) and _TEMPLATE.search(value):
        return _template(value, scope)
    return value


_TEMPLATE = re.compile(r"\{[a-zA-Z#]+\}")  # what botocore treats as a template string
_FORMATTER = string.Formatter()


def _template(text: str, scope: dict[str, Any]) -> str:
    out = []
    for literal, reference, _, _ in _FORMATTER.parse(text):
        out.append(literal)
        if reference is not None:
            value: Any = scope
            for part in reference.split("#"):
                value = value[part]
            out.append(str(value))
    return "".join(out)


def _call(call: dict[str, Any], scope: dict[str, Any],
          partitions: list[dict[str, Any]]) -> Any:
    args = [_value(arg, scope, partitions) for arg in call.get("argv", [])]
    name = call["fn"]
    if name == "isSet":
        return args[0] is not None
    if name == "not":
        return not args[0]
    if name == "booleanEquals":
        return args[0] is args[1]
    if name == "stringEquals":
        if not all(isinstance(a, str) for a in args):
            raise _Unsupported("stringEquals on a non-string")
        return args[0] == args[1]
    if name == "getAttr":
        return _get_attr(args[0], args[1])
    if name == "aws.partition":
        return _partition(args[0], partitions)
    raise _Unsupported(f"function {name}")


def _get_attr(value: Any, path: str) -> Any:
    for part in path.split("."):
        indexed = re.search(r"(\w*)\[(\d+)\]", part)
        if indexed is not None:
            name, index = indexed.group(1), int(indexed.group(2))
            if name:
                value = value.get(name)
            if value is None or index >= len(value):
                return None
            return value[index]
        value = value[part]
    return value


def _partition(region: str | None, partitions: list[dict[str, Any]]) -> dict[str, Any]:
    """The partition that claims ``region`` (by name, then by its regex), else the first."""
    chosen = partitions[0]
    if region is not None:
        for partition in partitions:
            if region in partition["regions"] or re.match(partition["regionRegex"], region):
                chosen = partition
                break
    return {**chosen["outputs"], "name": chosen["id"]}
