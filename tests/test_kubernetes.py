"""The generated Kubernetes manifests (deploy/kubernetes): rendered by Kustomize for the shipped
overlay and for a user's own, valid against the Kubernetes API's schemas, clean for a security
scanner, consistent with the API they deploy, and rolled out migration first."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.conftest import render

BIN = Path(sys.executable).parent
CHECKOV = BIN.parent / "checkov" / "bin" / "checkov"
# An older release managed clusters still run, and the newest the schemas know.
KUBERNETES_VERSIONS = ("1.34.0", kubernetes_validate.latest_version())
# What deploy/kubernetes/.checkov.yaml may skip, each with its reason written there.
SKIPPED_CHECKS = {"CKV_K8S_35", "CKV_K8S_40", "CKV_K8S_43"}
# The answers of the two projects: every default, and a GraphQL project with other values.
PROJECTS = {
    "default": {"stack": "fastify-typescript"},
    "custom": {"stack": "apollo-graphql", "project_name": "Ledger Service", "port": 8080, "auth": False, "cache": False},
}

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with its built-in Kustomize) is not installed")


def kustomize(path: Path) -> list[dict]:
    proc = subprocess.run(["kubectl", "kustomize", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


def find(docs: list[dict], kind: str, name: str | None = None) -> dict:
    found = [doc for doc in docs if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name)]
    assert len(found) == 1, f"{len(found)} {kind} {name or ''} in {[(d['kind'], d['metadata']['name']) for d in docs]}"
    return found[0]


@pytest.fixture(scope="module", params=sorted(PROJECTS))
def project(request, tmp_path_factory) -> Path:
    return render(tmp_path_factory.mktemp(request.param), **PROJECTS[request.param])


@pytest.fixture(scope="module")
def production(project) -> list[dict]:
    return kustomize(project / "deploy/kubernetes/overlays/production")


@pytest.fixture(scope="module")
def loadtest(project) -> list[dict]:
    return kustomize(project / "deploy/kubernetes/loadtest")


def assert_valid(docs: list[dict]) -> None:
    for version in KUBERNETES_VERSIONS:
        for doc in docs:
            if doc["apiVersion"].startswith("gateway.networking.k8s.io/"):
                continue  # a CRD's kind: no schema of it ships with Kubernetes (see the gateway test)
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} is not valid Kubernetes {version}: {error}")


def test_the_production_overlay_renders_everything_the_api_needs_and_validates(production):
    kinds = sorted((doc["kind"], doc["metadata"]["name"]) for doc in production)
    slug = find(production, "Deployment")["metadata"]["name"]
    assert kinds == sorted(
        [
            ("Namespace", slug),
            ("ServiceAccount", slug),
            ("ConfigMap", find(production, "ConfigMap")["metadata"]["name"]),
            ("Deployment", slug),
            ("Service", slug),
            ("HorizontalPodAutoscaler", slug),
            ("PodDisruptionBudget", slug),
            ("Ingress", slug),
            ("NetworkPolicy", slug),
            ("Job", f"{slug}-migrate"),
            ("NetworkPolicy", f"{slug}-migrate"),
        ]
    )
    assert all(doc["metadata"].get("namespace") == slug for doc in production if doc["kind"] != "Namespace")
    assert_valid(production)


def test_the_in_cluster_load_test_renders_a_master_and_workers_aimed_at_the_api_service(project, loadtest, production):
    assert_valid(loadtest)
    slug = find(production, "Service")["metadata"]["name"]
    master = find(loadtest, "Deployment", f"{slug}-locust")["spec"]["template"]["spec"]["containers"][0]
    worker = find(loadtest, "Deployment", f"{slug}-locust-worker")["spec"]["template"]["spec"]["containers"][0]
    assert master["args"][master["args"].index("--host") + 1] == f"http://{slug}"
    assert worker["args"][worker["args"].index("--master-host") + 1] == find(loadtest, "Service")["metadata"]["name"]
    assert {doc["metadata"]["namespace"] for doc in loadtest} == {slug}
    assert master["image"].endswith(f"{slug}-loadtest:0.1.0") and worker["image"] == master["image"]
    # With accounts, the simulated users log in as seeded users: the load test seeds them first.
    seeds = [doc for doc in loadtest if doc["kind"] == "Job"]
    if "JWT_SECRET" in (project / ".env.example").read_text():
        (seed,) = [doc["spec"]["template"]["spec"]["containers"][0] for doc in seeds]
        assert seed["args"][:3] == ["python", "tools/db.py", "seed"] and "--replace" in seed["args"]
        assert seed["image"].endswith(f"{slug}-migrate:0.1.0") and seed["envFrom"] == [{"secretRef": {"name": slug}}]
    else:
        assert not seeds


def test_the_deployment_matches_the_api_it_runs(project, production):
    config = find(production, "ConfigMap")["data"]
    deployment = find(production, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (api,) = pod["containers"]
    port = int(config["PORT"])
    assert api["ports"] == [{"name": "http", "containerPort": port}]
    assert f'EXPOSE {port}' in (project / "Dockerfile").read_text()
    # Probes on the API's own health routes, by the port's name.
    assert api["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert api["startupProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert api["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    source = "\n".join(path.read_text() for path in (project / "src").rglob("*.ts"))
    assert "'/health/ready'" in source and "'/health'" in source
    # Kubernetes waits for the preStop pause and the API's whole drain before it kills a pod.
    pause = int(api["lifecycle"]["preStop"]["exec"]["command"][1])
    drain = int(config["SHUTDOWN_GRACE_MS"]) / 1000
    assert pod["terminationGracePeriodSeconds"] >= pause + drain + 5
    # The image's own user, never root, nothing writable but /tmp.
    assert "USER node" in (project / "Dockerfile").read_text() and pod["securityContext"]["runAsUser"] == 1000
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert api["securityContext"]["readOnlyRootFilesystem"] is True
    assert [mount["mountPath"] for mount in api["volumeMounts"]] == ["/tmp"]
    # The Secret the README tells the user to create, and the ConfigMap, feed the environment.
    slug = deployment["metadata"]["name"]
    assert api["envFrom"] == [{"configMapRef": {"name": find(production, "ConfigMap")["metadata"]["name"]}}, {"secretRef": {"name": slug}}]
    # Rollouts never lower capacity, and nothing fights the HPA over the replica count.
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    assert "replicas" not in deployment["spec"]


def test_every_selector_picks_the_api_pods_and_only_them(production):
    deployment = find(production, "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    selectors = {
        "Deployment": deployment["spec"]["selector"]["matchLabels"],
        "Service": find(production, "Service")["spec"]["selector"],
        "PodDisruptionBudget": find(production, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
        "NetworkPolicy": find(production, "NetworkPolicy", deployment["metadata"]["name"])["spec"]["podSelector"]["matchLabels"],
    }
    job_labels = find(production, "Job")["spec"]["template"]["metadata"]["labels"]
    for kind, selector in selectors.items():
        assert selector.items() <= labels.items(), f"the {kind} does not select the API's pods"
        assert not selector.items() <= job_labels.items(), f"the {kind} selects the migration's pod"
    assert find(production, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    ingress_backend = find(production, "Ingress")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert ingress_backend == {"name": find(production, "Service")["metadata"]["name"], "port": {"name": "http"}}


def test_the_edge_sends_the_host_to_the_api_service_whichever_api_the_cluster_serves(project, production, tmp_path):
    service = find(production, "Service")
    ingress = find(production, "Ingress")
    assert "ingressClassName" not in ingress["spec"] and not ingress["metadata"].get("annotations")  # any controller
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"] == {"name": service["metadata"]["name"], "port": {"name": "http"}}
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
    # The Gateway API's route instead of the Ingress, as the overlay's comment says to do it.
    gateway_overlay = project / "deploy/kubernetes/overlays/gateway"
    shutil.copytree(project / "deploy/kubernetes/overlays/production", gateway_overlay)
    overlay = (gateway_overlay / "kustomization.yaml").read_text()
    (gateway_overlay / "kustomization.yaml").write_text(
        overlay.replace("  - ../../ingress\n", "  - ../../gateway\n")
        .replace("      kind: Ingress\n", "      kind: HTTPRoute\n")
        .replace("path: /spec/rules/0/host", "path: /spec/hostnames/0").replace(
            "      - op: replace\n        path: /spec/tls/0/hosts/0\n        value: api.example.com\n", "")
    )
    docs = kustomize(gateway_overlay)
    assert_valid(docs)
    assert not [doc for doc in docs if doc["kind"] == "Ingress"]
    route = find(docs, "HTTPRoute")
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1" and route["metadata"]["namespace"] == service["metadata"]["namespace"]
    assert route["spec"]["hostnames"] == ["api.example.com"] and route["spec"]["parentRefs"][0]["name"]
    (rule,) = route["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert rule["backendRefs"] == [{"name": service["metadata"]["name"], "port": service["spec"]["ports"][0]["port"]}]


def test_behind_a_pooler_the_pods_leave_the_statement_timeout_to_it_as_compose_does(project, production):
    settings = find(production, "ConfigMap")["data"]
    compose = yaml.safe_load((project / "docker-compose.yml").read_text())["services"]["api"]["environment"]
    assert settings["DATABASE_STATEMENT_TIMEOUT_MS"] == compose["DATABASE_STATEMENT_TIMEOUT_MS"] == "0"
    assert settings["TRUST_PROXY"] == compose["TRUST_PROXY"] == "1"
    assert "pgbouncer" in (project / "deploy/kubernetes/README.md").read_text()


def test_the_migration_job_runs_db_migrate_once_from_the_migrate_image(project, production):
    job = find(production, "Job")
    spec = job["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["args"] == ["python", "tools/db.py", "migrate"]
    assert container["image"].endswith(f"{job['metadata']['namespace']}-migrate:0.1.0")
    assert "AS migrate" in (project / "Dockerfile").read_text()
    assert spec["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] == 0
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"


def test_a_users_own_overlay_changes_namespace_tag_host_and_resources(project, tmp_path):
    overlay = project / "deploy/kubernetes/overlays/staging"
    overlay.mkdir()
    slug = yaml.safe_load((project / ".copier-answers.yml").read_text())["project_slug"]
    (overlay / "kustomization.yaml").write_text(
        f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {slug}-staging
resources:
  - ../../base
  - ../../migrate
  - ../../ingress
images:
  - name: {slug}
    newName: ghcr.io/acme/{slug}
    newTag: "2.4.1"
  - name: {slug}-migrate
    newName: ghcr.io/acme/{slug}-migrate
    newTag: "2.4.1"
configMapGenerator:
  - name: {slug}
    behavior: merge
    literals: [LOG_LEVEL=debug]
patches:
  - target: {{kind: HorizontalPodAutoscaler}}
    patch: |-
      - op: replace
        path: /spec/maxReplicas
        value: 3
  - target: {{kind: Deployment}}
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/resources/limits/memory
        value: 1Gi
  - target: {{kind: Ingress}}
    patch: |-
      - op: replace
        path: /spec/rules/0/host
        value: staging.acme.test
"""
    )
    docs = kustomize(overlay)
    assert_valid(docs)
    assert {doc["metadata"]["namespace"] for doc in docs} == {f"{slug}-staging"}
    api = find(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert api["image"] == f"ghcr.io/acme/{slug}:2.4.1" and api["resources"]["limits"]["memory"] == "1Gi"
    assert find(docs, "Job")["spec"]["template"]["spec"]["containers"][0]["image"] == f"ghcr.io/acme/{slug}-migrate:2.4.1"
    assert find(docs, "HorizontalPodAutoscaler")["spec"]["maxReplicas"] == 3
    assert find(docs, "Ingress")["spec"]["rules"][0]["host"] == "staging.acme.test"
    # The ConfigMap's name carries a hash of its content, so a changed setting rolls the pods.
    config = find(docs, "ConfigMap")
    assert config["data"]["LOG_LEVEL"] == "debug" and config["metadata"]["name"].startswith(f"{slug}-")
    assert config["metadata"]["name"] != find(kustomize(project / "deploy/kubernetes/overlays/production"), "ConfigMap")["metadata"]["name"]
    assert {"name": config["metadata"]["name"]} in [source.get("configMapRef") for source in api["envFrom"]]


def test_the_manifests_pass_the_security_scanner_with_only_the_documented_skips(tmp_path):
    # The scanner's rules read no value the answers change: the default project is enough.
    project = render(tmp_path / "project", **PROJECTS["default"])
    production = kustomize(project / "deploy/kubernetes/overlays/production")
    loadtest = kustomize(project / "deploy/kubernetes/loadtest")
    assert CHECKOV.exists(), "checkov is not installed; run ./kit setup"
    settings = project / "deploy/kubernetes/.checkov.yaml"
    assert set(yaml.safe_load(settings.read_text())["skip-check"]) == SKIPPED_CHECKS
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml.safe_dump_all(production + loadtest))
    proc = subprocess.run(
        [str(CHECKOV), "--config-file", str(settings), "-f", str(rendered), "--skip-download", "--compact", "--quiet", "-o", "cli"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout
    # Without the skips, exactly those checks fail, so the list is as short as it can be.
    proc = subprocess.run(
        [str(CHECKOV), "--framework", "kubernetes", "-f", str(rendered), "--skip-download", "--compact", "--quiet", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    failed = {check["check_id"] for check in yaml.safe_load(proc.stdout)["results"]["failed_checks"]}
    assert failed == SKIPPED_CHECKS


def test_the_chart_readme_documents_every_knob_of_the_overlay(project, production):
    readme = (project / "deploy/kubernetes/README.md").read_text()
    for setting in find(production, "ConfigMap")["data"]:
        assert f"`{setting}`" in readme, f"{setting} is not documented in deploy/kubernetes/README.md"
    for word in ("rollout.sh", "create secret generic", "DIRECT_DATABASE_URL", "newTag", "port-forward", "HorizontalPodAutoscaler"):
        assert word in readme


# The rollout script against a stand-in kubectl that records its calls: `kustomize` is the real
# one, `get` answers the Job's conditions from $JOB_CONDITIONS.
FAKE_KUBECTL = """#!/bin/sh
echo "$*" >> "$CALLS"
case "$*" in
  kustomize*) exec "$REAL_KUBECTL" "$@" ;;
  *jsonpath=\\{.metadata.namespace\\}*) printf '%s' "$NAMESPACE" ;;
  *"-o name"*) printf 'job.batch/%s-migrate' "$NAMESPACE" ;;
  get*) printf '%s' "$JOB_CONDITIONS" ;;
  "logs --namespace $NAMESPACE job.batch/$NAMESPACE-migrate --tail=100") echo "yoyo: migration 0004 failed: relation already exists" ;;
  logs*) echo "kubectl logs: no such pod" >&2; exit 1 ;;
esac
"""


def run_rollout(project: Path, tmp_path: Path, conditions: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl").write_text(FAKE_KUBECTL)
    (bin_dir / "kubectl").chmod(0o755)
    calls = tmp_path / "calls"
    slug = yaml.safe_load((project / ".copier-answers.yml").read_text())["project_slug"]
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(calls), "REAL_KUBECTL": shutil.which("kubectl"),
           "JOB_CONDITIONS": conditions, "NAMESPACE": slug}
    proc = subprocess.run(["bash", "deploy/kubernetes/rollout.sh"], cwd=project, env=env, capture_output=True, text=True, timeout=60)
    # Each call with its files named by their base names (the script's are in a temporary folder).
    return proc, [" ".join(Path(arg).name if arg.startswith("/") else arg for arg in line.split()) for line in calls.read_text().splitlines()]


def test_rollout_migrates_to_completion_before_the_api_changes(project, tmp_path):
    proc, calls = run_rollout(project, tmp_path, "SuccessCriteriaMet Complete")
    assert proc.returncode == 0, proc.stderr
    assert calls == [
        "kustomize deploy/kubernetes/overlays/production",
        "apply -f rest.yaml --selector !app.kubernetes.io/component",  # the namespace, config and account first
        "delete -f job.yaml --ignore-not-found --wait=true",
        "apply -f job.yaml",
        "get -f job.yaml -o jsonpath={.status.conditions[?(@.status==\"True\")].type}",
        "apply -f rest.yaml",
        "rollout status -f deployments.yaml --timeout=5m",
    ], calls


def test_a_failed_migration_stops_the_rollout_with_its_log(project, tmp_path):
    proc, calls = run_rollout(project, tmp_path, "FailureTarget Failed")
    assert proc.returncode == 1
    assert "the migration failed; the API was not rolled out" in proc.stderr and "relation already exists" in proc.stderr, proc.stderr
    assert not any(call.startswith("rollout") or call == "apply -f rest.yaml" for call in calls), calls
