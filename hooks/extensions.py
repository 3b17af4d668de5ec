"""Jinja filters and globals for Backend Kit's questionnaire and templates.

Validators return an empty string when an answer is fine and a sentence that
names the problem and the fix when it is not; Copier shows that sentence.
"""

from __future__ import annotations

import json
import re
import unicodedata

from jinja2.ext import Extension

STACK_LABELS = {
    "fastify-typescript": "Fastify",
    "express-typescript": "Express",
    "nestjs": "NestJS",
    "apollo-graphql": "Apollo GraphQL",
}

# npm's rules for a package name (validate-npm-package-name), unscoped form.
_NPM_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_NPM_RESERVED = {"node_modules", "favicon.ico"}
_NODE_BUILTINS = {
    "assert", "buffer", "child_process", "cluster", "crypto", "dgram", "dns",
    "events", "fs", "http", "http2", "https", "net", "os", "path", "process",
    "querystring", "readline", "stream", "string_decoder", "timers", "tls",
    "tty", "url", "util", "v8", "vm", "worker_threads", "zlib",
}


def slugify(value: str) -> str:
    """'My Shiny API!' -> 'my-shiny-api' (ASCII, lowercase, dash-separated)."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text


def words(value: str) -> list[str]:
    return [w for w in re.split(r"[^a-zA-Z0-9]+", slugify(value)) if w]


def pascal_case(value: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words(value))


def camel_case(value: str) -> str:
    pascal = pascal_case(value)
    return pascal[:1].lower() + pascal[1:]


def snake_case(value: str) -> str:
    return "_".join(words(value))


def mail_sender(value: str) -> str:
    """The From header of the project's mails: its name (without characters a header or .env would mis-read) and a placeholder address."""
    name = re.sub(r'[\x00-\x1f"<>\\#]+', " ", str(value))
    name = re.sub(r"\s+", " ", name).strip() or "API"
    return f"{name} <no-reply@example.com>"


def project_name_error(value: str) -> str:
    if not str(value).strip():
        return "The project name is empty; type a name such as 'Orders API'."
    if not slugify(value):
        return "The project name needs at least one letter or digit (it becomes the package name)."
    if len(str(value)) > 100:
        return "The project name is longer than 100 characters; shorten it."
    return ""


def npm_name_error(value: str) -> str:
    name = str(value)
    if not name:
        return "The slug is empty; it becomes the folder and npm package name, e.g. 'orders-api'."
    if len(name) > 214:
        return f"'{name}' is longer than npm's 214-character limit for package names."
    if name != name.lower():
        return f"'{name}' has capital letters; npm package names are lowercase: try '{name.lower()}'."
    if not _NPM_NAME.match(name):
        return (
            f"'{name}' is not a valid npm package name: use lowercase letters, digits, "
            f"'-', '.' or '_', starting with a letter or digit (try '{slugify(name) or 'my-api'}')."
        )
    if name in _NPM_RESERVED or name in _NODE_BUILTINS:
        return f"'{name}' is reserved by npm or Node.js; pick another name such as '{name}-api'."
    return ""


# The Node.js type definitions of each LTS line the template targets, pinned: a project gets the
# types of the Node.js it runs on (the newest @types/node of that major, checked to install).
NODE_TYPES = {"22": "22.20.7", "24": "24.19.4", "26": "26.6.7"}


def node_version_error(value: str) -> str:
    text = str(value).strip()
    if not text.isdigit():
        return f"'{text}' is not a Node.js major version; answer a number such as 24."
    if int(text) < 22:
        return f"Node.js {text} is end-of-life or lacks require(esm); answer 22 or newer (24 is the LTS)."
    if int(text) % 2:
        return f"Node.js {text} is not an LTS line; answer an even version such as 24."
    if text not in NODE_TYPES:
        return f"Node.js {text} is newer than this template knows; answer {', '.join(NODE_TYPES)} (or update the template)."
    return ""


def node_types(value: str) -> str:
    """The @types/node version pinned for Node.js major `value`."""
    return NODE_TYPES[str(value).strip()]


def port_error(value: object) -> str:
    try:
        port = int(str(value))
    except ValueError:
        return f"'{value}' is not a port number; answer a number from 1024 to 65535."
    if not 1024 <= port <= 65535:
        return f"Port {port} is outside 1024-65535 (ports below 1024 need root); pick e.g. 3000."
    return ""


def api_prefix_error(value: str) -> str:
    text = str(value)
    if text == "":
        return ""
    if not re.fullmatch(r"(/[a-z0-9][a-z0-9._-]*)+", text):
        return (
            f"'{text}' is not a path prefix: start with '/', use lowercase segments, "
            "no trailing slash (e.g. /api or /api/v1), or leave it empty."
        )
    if text.split("/")[1] in {"health", "metrics", "docs", "graphql"}:
        return f"'{text}' collides with a built-in route (/health, /metrics, /docs, /graphql)."
    return ""


RESOURCE_KEYS = {"name", "fields", "owned", "endpoints", "plural"}
RESOURCE_EXAMPLE = '- {name: tag, fields: "name:string:unique, weight:int=0", owned: true}'


DEMO_TABLES = ("posts", "comments", "likes")


def resources_error(value: object, demo_domain: bool = True) -> str:
    """The shape of the `resources` answer; each field list is checked by the generator itself,
    except a reference to the demo domain's tables, which are only there when it is."""
    if value in (None, "", []):
        return ""
    if not isinstance(value, list):
        return f"Answer a YAML list of resources, one a line, e.g. {RESOURCE_EXAMPLE} (or [] for none)."
    names: set[str] = set()
    for index, item in enumerate(value, 1):
        if not isinstance(item, dict):
            return f"Resource {index} is not a mapping; write each as {RESOURCE_EXAMPLE}."
        unknown = sorted(set(map(str, item)) - RESOURCE_KEYS)
        if unknown:
            return f"Resource {index} has unknown key(s) {', '.join(unknown)}; the keys are {', '.join(sorted(RESOURCE_KEYS))}."
        for key in ("name", "fields"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                return f"Resource {index} needs `{key}` as text, e.g. {RESOURCE_EXAMPLE}."
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", item["name"]):
            return f"Resource {index}: '{item['name']}' is not a name (letters, digits, - and _, starting with a letter)."
        if item["name"].lower() in names:
            return f"Resource {index}: '{item['name']}' is listed twice."
        names.add(item["name"].lower())
        if "owned" in item and not isinstance(item["owned"], bool):
            return f"Resource {index}: `owned` is true or false."
        for key in ("endpoints", "plural"):
            if key in item and not isinstance(item[key], str):
                return f"Resource {index}: `{key}` is text, e.g. endpoints: \"GET /tags, POST /tags\"."
        # The generator finds a model by its name or table, in any case, singular or plural.
        own = {n for earlier in names for n in (earlier, earlier + "s")}
        demo_refs = sorted(
            {target for target in re.findall(r"ref\(\s*([A-Za-z_]+)\s*\)", item["fields"])
             if target.lower().removesuffix("s") + "s" in DEMO_TABLES and target.lower() not in own}
        )
        if demo_refs and not demo_domain:
            return (
                f"Resource {index} refers to {', '.join(demo_refs)}, which only the demo domain has: "
                "answer yes to the demo domain, or refer to users or to a resource listed before it."
            )
    return ""


# The stacks that serve each API type, as the questionnaire offers them.
STACKS_OF_API_TYPE = {"rest": "express-typescript, fastify-typescript or nestjs", "graphql": "apollo-graphql"}


def stack_mismatch(stack_api_type: str, chosen_api_type: str) -> str:
    if stack_api_type != chosen_api_type:
        return (
            f"This stack serves {stack_api_type.upper()}; you chose {chosen_api_type.upper()}: "
            f"pick {STACKS_OF_API_TYPE.get(chosen_api_type, 'another stack')}, or change the API type."
        )
    return ""


def json_literal(value: object) -> str:
    """A JSON literal (also a valid TypeScript string literal), for names typed by users."""
    return json.dumps(value, ensure_ascii=False)


def ts_string(value: object) -> str:
    """A TypeScript string literal quoted the way Prettier writes it (single quotes unless
    the text holds more single than double quotes), so generated code passes format:check."""
    text = str(value)
    quote = '"' if text.count("'") > text.count('"') else "'"
    escaped = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace(quote, "\\" + quote)
    return f"{quote}{escaped}{quote}"


def stack_label(stack: str) -> str:
    return STACK_LABELS.get(stack, stack)


class BackendKitExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.filters.update(
            slugify=slugify,
            pascal_case=pascal_case,
            camel_case=camel_case,
            snake_case=snake_case,
            mail_sender=mail_sender,
            project_name_error=project_name_error,
            npm_name_error=npm_name_error,
            node_version_error=node_version_error,
            node_types=node_types,
            port_error=port_error,
            api_prefix_error=api_prefix_error,
            resources_error=resources_error,
            stack_mismatch=stack_mismatch,
            json_literal=json_literal,
            ts_string=ts_string,
        )
        environment.globals.update(stack_label=stack_label)
