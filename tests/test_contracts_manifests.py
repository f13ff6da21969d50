"""Rules CON-013 to CON-018: a contract's runtime against Kubernetes and compose files.

Each rule has a failing case (one planted mismatch in otherwise matching files) and the
passing case (the matching files give no finding at all).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_contracts_rules import call, op, run, svc

from sddkit.findings import Finding

RISK_K8S = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: risk
spec:
  template:
    spec:
      containers:
        - name: risk
          image: example/risk:1
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: MODEL_URL
              value: http://models:9000/v1
          envFrom:
            - configMapRef:
                name: risk-config
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
          readinessProbe:
            httpGet:
              path: /readyz
              port: 8080
          volumeMounts:
            - name: creds
              mountPath: /etc/secrets/risk
      volumes:
        - name: creds
          secret:
            secretName: risk-creds
---
apiVersion: v1
kind: Service
metadata:
  name: risk
spec:
  ports:
    - port: 80
      targetPort: http
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: risk-config
data:
  RISK_THRESHOLD: "0.8"
"""

MODELS_COMPOSE = """\
services:
  models:
    image: example/models:1
    ports:
      - "19000:9000"
    environment:
      MODEL_DIR: /models
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:9000/healthz"]
    secrets:
      - models_token
secrets:
  models_token:
    file: ./token.txt
"""

RISK_RUNTIME = {"port": 8080, "health": "/healthz", "readiness": "/readyz",
                "config": ["MODEL_URL", "RISK_THRESHOLD"], "secrets": "/etc/secrets/risk",
                "manifests": ["deploy/risk.yaml"]}
MODELS_RUNTIME = {"port": 9000, "health": "/healthz", "config": ["MODEL_DIR"],
                  "secrets": "/run/secrets", "manifests": ["compose.yaml"]}


def system(tmp_path: Path, risk_k8s: str = RISK_K8S, models: str = MODELS_COMPOSE,
           risk_runtime: dict[str, Any] | None = None,
           models_runtime: dict[str, Any] | None = None) -> list[Finding]:
    """risk (Kubernetes) calls models (compose); checkout calls risk."""
    (tmp_path / "deploy").mkdir(exist_ok=True)
    (tmp_path / "deploy" / "risk.yaml").write_text(risk_k8s, encoding="utf-8")
    (tmp_path / "compose.yaml").write_text(models, encoding="utf-8")
    return run(
        tmp_path,
        svc("risk", runtime=risk_runtime or RISK_RUNTIME,
            provides={"operations": [op("score")]},
            depends_on={"operations": [call("models", "predict")]}),
        svc("models", runtime=models_runtime or MODELS_RUNTIME,
            provides={"operations": [op("predict")]}),
        svc("checkout", depends_on={"operations": [call("risk", "score")]}),
    )


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, "\n".join(f.to_text() for f in findings)
    return findings[0]


def test_matching_manifests_give_no_finding(tmp_path: Path) -> None:
    assert system(tmp_path) == []


# --- CON-013 -----------------------------------------------------------------------------


def test_con013_glob_matching_nothing(tmp_path: Path) -> None:
    f = only(system(tmp_path, risk_runtime={**RISK_RUNTIME, "manifests": ["deploy/rsk.yaml"]}))
    assert (f.rule, f.severity, f.path) == ("CON-013", "error", "AGENTS.ctx/contracts/risk.yaml")
    assert "'deploy/rsk.yaml' matches no file" in f.message


def test_con013_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    f = only(system(tmp_path, risk_k8s=RISK_K8S.replace("kind: ConfigMap", "kind: ConfigMap: x")))
    assert (f.rule, f.path, f.line) == ("CON-013", "deploy/risk.yaml", 46)
    assert "invalid YAML: mapping values are not allowed here" in f.message


def test_con013_no_workload_for_the_service(tmp_path: Path) -> None:
    two = RISK_K8S.replace("name: risk\nspec:\n  template", "name: scorer\nspec:\n  template")
    two += "---\n" + RISK_K8S.split("---")[0].replace("name: risk\nspec", "name: other\nspec")
    f = only(system(tmp_path, risk_k8s=two))
    assert f.rule == "CON-013" and "no workload named 'risk'" in f.message
    assert "workloads: other, scorer" in f.message


def test_con013_helm_chart_without_helm_is_a_warning(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    chart = tmp_path / "charts" / "risk"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: risk\nversion: 0.1.0\n")
    f = only(system(tmp_path, risk_runtime={**RISK_RUNTIME, "manifests": ["charts/risk"]}))
    assert (f.rule, f.severity, f.path) == ("CON-013", "warning", "charts/risk")
    assert "helm is not installed" in f.message


# --- CON-014 -----------------------------------------------------------------------------


def test_con014_container_port_differs(tmp_path: Path) -> None:
    f = only(system(tmp_path, risk_k8s=RISK_K8S.replace("containerPort: 8080",
                                                        "containerPort: 8000")
                    .replace("port: 8080", "port: http")))
    assert (f.rule, f.severity, f.path, f.line) == ("CON-014", "error", "deploy/risk.yaml", 12)
    assert "listens on port 8000, not on the contract's port 8080" in f.message
    assert "AGENTS.ctx/contracts/risk.yaml:" in f.message


def test_con014_service_target_port_differs(tmp_path: Path) -> None:
    f = only(system(tmp_path, risk_k8s=RISK_K8S.replace("targetPort: http", "targetPort: 9090")))
    assert (f.rule, f.path) == ("CON-014", "deploy/risk.yaml")
    assert "Service risk sends port 80 to targetPort 9090" in f.message


def test_con014_compose_port_differs(tmp_path: Path) -> None:
    bad = MODELS_COMPOSE.replace('"19000:9000"', '"19000:9100"').replace("9000/", "9100/")
    found = system(tmp_path, models=bad)
    assert [f.rule for f in found] == ["CON-014", "CON-015", "CON-018"]
    assert "compose service models listens on port 9100" in found[0].message
    assert found[0].path == "compose.yaml" and found[0].line == 5


# --- CON-015 -----------------------------------------------------------------------------


def test_con015_probe_path_differs(tmp_path: Path) -> None:
    f = only(system(tmp_path, risk_k8s=RISK_K8S.replace("path: /readyz", "path: /ready")))
    assert (f.rule, f.severity, f.path, f.line) == ("CON-015", "error", "deploy/risk.yaml", 26)
    assert "probes /ready, but the contract's readiness path is /readyz" in f.message


def test_con015_probe_port_differs(tmp_path: Path) -> None:
    f = only(system(tmp_path, risk_k8s=RISK_K8S.replace("              port: 8080",
                                                        "              port: 8081")))
    assert f.rule == "CON-015" and "probes port 8081" in f.message


def test_con015_missing_probe_is_a_warning(tmp_path: Path) -> None:
    text = RISK_K8S.replace("          readinessProbe:\n            httpGet:\n"
                            "              path: /readyz\n              port: 8080\n", "")
    f = only(system(tmp_path, risk_k8s=text))
    assert (f.rule, f.severity) == ("CON-015", "warning")
    assert "has no readinessProbe" in f.message


@pytest.mark.parametrize("probe", ["tcpSocket: {port: 8080}", "grpc: {port: 8080}",
                                   "exec: {command: [/bin/check, --ready]}"])
def test_con015_probes_without_a_path_are_not_compared(tmp_path: Path, probe: str) -> None:
    text = RISK_K8S.replace("            httpGet:\n              path: /readyz\n"
                            "              port: 8080\n", f"            {probe}\n")
    assert system(tmp_path, risk_k8s=text) == []


def test_con015_compose_healthcheck_path(tmp_path: Path) -> None:
    f = only(system(tmp_path, models=MODELS_COMPOSE.replace("9000/healthz", "9000/health")))
    assert (f.rule, f.path, f.line) == ("CON-015", "compose.yaml", 9)
    assert "healthcheck does not request /healthz, but the contract's health path is" in f.message


# --- CON-016 -----------------------------------------------------------------------------


def test_con016_config_key_not_set(tmp_path: Path) -> None:
    f = only(system(tmp_path, risk_k8s=RISK_K8S.replace("RISK_THRESHOLD:", "RISK_THRESHLD:")))
    assert (f.rule, f.severity, f.path, f.line) == ("CON-016", "error", "deploy/risk.yaml", 9)
    assert "does not set RISK_THRESHOLD" in f.message


def test_con016_compose_environment_list_form(tmp_path: Path) -> None:
    listed = MODELS_COMPOSE.replace("      MODEL_DIR: /models", "      - MODEL_PATH=/models")
    f = only(system(tmp_path, models=listed))
    assert f.rule == "CON-016" and "did you mean 'MODEL_PATH'" in f.hint


def test_con016_unknown_config_map_is_a_warning(tmp_path: Path) -> None:
    text = RISK_K8S.split("---\napiVersion: v1\nkind: ConfigMap")[0]
    f = only(system(tmp_path, risk_k8s=text))
    assert (f.rule, f.severity) == ("CON-016", "warning")
    assert "configMap risk-config (not in the manifests)" in f.message


def test_con016_compose_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "models.env").write_text("# settings\nMODEL_DIR=/models\n")
    text = MODELS_COMPOSE.replace("    environment:\n      MODEL_DIR: /models\n",
                                  "    env_file: models.env\n")
    assert system(tmp_path, models=text) == []


# --- CON-017 -----------------------------------------------------------------------------


def test_con017_secrets_not_mounted(tmp_path: Path) -> None:
    f = only(system(tmp_path, risk_k8s=RISK_K8S.replace("mountPath: /etc/secrets/risk",
                                                        "mountPath: /var/run/creds")))
    assert (f.rule, f.severity, f.path) == ("CON-017", "error", "deploy/risk.yaml")
    assert "mounts nothing at the contract's secrets location /etc/secrets/risk" in f.message


def test_con017_secrets_from_a_config_map(tmp_path: Path) -> None:
    text = RISK_K8S.replace("          secret:\n            secretName: risk-creds",
                            "          configMap:\n            name: risk-creds")
    f = only(system(tmp_path, risk_k8s=text))
    assert f.rule == "CON-017" and f.line == 29 and "mounts a configMap risk-creds" in f.message


def test_con017_compose_secret_elsewhere(tmp_path: Path) -> None:
    f = only(system(tmp_path, models_runtime={**MODELS_RUNTIME, "secrets": "/etc/models"}))
    assert (f.rule, f.path) == ("CON-017", "compose.yaml")
    assert "mounts: /run/secrets/models_token" in f.message


# --- CON-018 -----------------------------------------------------------------------------


def test_con018_caller_uses_a_host_no_manifest_defines(tmp_path: Path) -> None:
    f = only(system(tmp_path, risk_k8s=RISK_K8S.replace("http://models:9000",
                                                        "http://model-svc:9000")))
    assert (f.rule, f.severity, f.path, f.line) == ("CON-018", "error", "deploy/risk.yaml", 15)
    assert "MODEL_URL points at host 'model-svc'" in f.message
    assert "did you mean 'models'" in f.hint


def test_con018_caller_uses_the_wrong_port(tmp_path: Path) -> None:
    f = only(system(tmp_path, risk_k8s=RISK_K8S.replace("models:9000", "models:19000")))
    assert f.rule == "CON-018" and "calls models on port 19000" in f.message


def test_con018_called_service_has_no_service_of_its_name(tmp_path: Path) -> None:
    f = only(system(tmp_path, risk_k8s=RISK_K8S.replace("kind: Service\nmetadata:\n  name: risk",
                                                        "kind: Service\nmetadata:\n  name: risk-svc")))
    assert (f.rule, f.path) == ("CON-018", "deploy/risk.yaml")
    assert "callers reach risk at 'risk'" in f.message and "Services: risk-svc" in f.message


def test_con018_runtime_name_is_the_name_callers_use(tmp_path: Path) -> None:
    text = RISK_K8S.replace("kind: Service\nmetadata:\n  name: risk",
                            "kind: Service\nmetadata:\n  name: risk-svc")
    assert system(tmp_path, risk_k8s=text,
                  risk_runtime={**RISK_RUNTIME, "name": "risk-svc"}) == []


@pytest.mark.parametrize("host", ["api.example.com", "localhost"])
def test_con018_outside_hosts_are_not_checked(tmp_path: Path, host: str) -> None:
    assert system(tmp_path, risk_k8s=RISK_K8S.replace("models:9000", f"{host}:9000")) == []


def test_multi_document_list_and_cluster_dns(tmp_path: Path) -> None:
    text = RISK_K8S.replace("http://models:9000", "http://models.default.svc.cluster.local:9000")
    listed = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        "- " + doc.strip().replace("\n", "\n  ") + "\n" for doc in text.split("---\n"))
    assert system(tmp_path, risk_k8s=listed) == []


ODD_K8S = """\
apiVersion: v1
kind: Pod
metadata: {name: risk}
spec:
  containers:
    - name: risk
      ports: [80, {containerPort: "x"}, {containerPort: true}]
      env: {X: 1}
      envFrom: [{configMapRef: null}, 5]
      livenessProbe: {httpGet: null, exec: {command: not-a-list}}
      readinessProbe: {httpGet: {path: 5, port: [1]}}
      volumeMounts: [{name: v, mountPath: 7}, text]
  volumes: 3
---
apiVersion: v1
kind: Service
metadata: null
spec: {ports: [{port: "80"}, null, {port: 80, targetPort: [1]}]}
---
apiVersion: v1
kind: List
items: [null, 3, {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: [1]}]
---
null
---
- a list
"""

ODD_COMPOSE = """\
services:
  b: null
  models:
    ports: [{target: "80"}, "a:b:c", 9000]
    environment: ["=x", 5]
    env_file: [{path: missing.env}, 3]
    healthcheck: {test: 5}
    secrets: [{source: s, target: null}, null]
    volumes: [{type: bind}, only-one]
    networks: [x]
  d:
    networks: {n: null, m: {aliases: a-string}}
"""


def test_odd_shapes_give_findings_never_a_crash(tmp_path: Path) -> None:
    found = system(tmp_path, risk_k8s=ODD_K8S, models=ODD_COMPOSE)
    assert found and {f.rule for f in found} <= {"CON-014", "CON-015", "CON-016", "CON-017",
                                                 "CON-018"}
    assert all(f.path in ("deploy/risk.yaml", "compose.yaml") for f in found)
