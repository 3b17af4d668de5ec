"""The questionnaire's filters and validators, one behaviour at a time."""

import json

import pytest

from hooks import extensions as ext


@pytest.mark.parametrize(
    ("name", "slug"),
    [("My API", "my-api"), ("  Orders -- API! ", "orders-api"), ("Café Büro", "cafe-buro"), ("v2 Service", "v2-service")],
)
def test_slugify_makes_npm_friendly_names(name, slug):
    assert ext.slugify(name) == slug


def test_case_conversions():
    assert ext.pascal_case("orders api") == "OrdersApi"
    assert ext.camel_case("orders-api") == "ordersApi"
    assert ext.snake_case("Orders API") == "orders_api"


@pytest.mark.parametrize("name", ["orders-api", "a", "api.v2", "my_api"])
def test_npm_name_accepts_valid_names(name):
    assert ext.npm_name_error(name) == ""


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("", "empty"), ("Orders", "lowercase"), ("-api", "not a valid npm package name"), ("my api", "not a valid"),
     ("http", "reserved"), ("x" * 215, "214")],
)
def test_npm_name_refuses_invalid_names_with_a_reason(name, fragment):
    assert fragment in ext.npm_name_error(name)


def test_project_name_must_have_a_letter_or_digit():
    assert "empty" in ext.project_name_error("   ")
    assert "letter or digit" in ext.project_name_error("!!!")
    assert ext.project_name_error("Orders API") == ""


@pytest.mark.parametrize(("version", "ok"), [("24", True), ("22", True), ("26", True), ("20", False), ("23", False), ("28", False), ("lts", False)])
def test_node_version_must_be_a_supported_lts(version, ok):
    assert (ext.node_version_error(version) == "") is ok


def test_a_node_version_beyond_the_template_names_the_ones_it_knows():
    assert ext.node_version_error("28") == "Node.js 28 is newer than this template knows; answer 22, 24, 26 (or update the template)."


@pytest.mark.parametrize("version", ["22", "24", "26"])
def test_the_node_types_follow_the_node_version(version, tmp_path):
    from tests.conftest import render

    project = render(tmp_path / "p", stack="fastify-typescript", node_version=version)
    pinned = json.loads((project / "package.json").read_text())["devDependencies"]["@types/node"]
    assert pinned.split(".")[0] == version and pinned == ext.NODE_TYPES[version]


@pytest.mark.parametrize(("port", "ok"), [(3000, True), (65535, True), (80, False), (70000, False), ("http", False)])
def test_port_range(port, ok):
    assert (ext.port_error(port) == "") is ok


@pytest.mark.parametrize(("prefix", "ok"), [("/api", True), ("/api/v1", True), ("", True), ("api", False),
                                            ("/api/", False), ("/health", False), ("/API", False)])
def test_api_prefix_shape(prefix, ok):
    assert (ext.api_prefix_error(prefix) == "") is ok


def test_stack_mismatch_names_both_types():
    assert ext.stack_mismatch("rest", "rest") == ""
    assert "REST" in ext.stack_mismatch("rest", "graphql") and "GRAPHQL" in ext.stack_mismatch("rest", "graphql")
    assert "pick apollo-graphql" in ext.stack_mismatch("rest", "graphql")
    assert "pick express-typescript, fastify-typescript or nestjs" in ext.stack_mismatch("graphql", "rest")


def test_json_literal_escapes_quotes():
    assert ext.json_literal('The "best" API') == '"The \\"best\\" API"'


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("My API", "'My API'"),
        ('Says "hi"', "'Says \"hi\"'"),
        ("Bob's API", "\"Bob's API\""),
        ("Bob's \"Best\" API", "'Bob\\'s \"Best\" API'"),
        ("back\\slash\nline", "'back\\\\slash\\nline'"),
    ],
)
def test_ts_string_quotes_like_prettier(text, literal):
    assert ext.ts_string(text) == literal


@pytest.mark.parametrize(
    ("name", "sender"),
    [
        ("Orders API", "Orders API <no-reply@example.com>"),
        ('The "Best" <API> # 1', "The Best API 1 <no-reply@example.com>"),
        ("###", "API <no-reply@example.com>"),
    ],
)
def test_mail_sender_keeps_the_name_and_drops_what_would_break_a_header_or_env_file(name, sender):
    assert ext.mail_sender(name) == sender
