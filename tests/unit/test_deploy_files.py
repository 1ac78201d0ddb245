"""The deployment files hold what docs/deployment.md promises. Neither `docker compose` nor
`helm` can be installed on the CI machine (no registry ships them there), so this reads the
YAML and checks its structure; `docker compose config` and `helm lint` are for where they exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "mssp"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_runs_every_role_from_one_image_after_a_one_shot_migration():
    services = compose()["services"]
    assert services["postgres"]["image"] == "postgres:17"
    assert services["redis"]["image"].startswith("redis:")
    app_roles = {"migrate", "web", "scheduler", "worker"}
    assert {services[role]["image"] for role in app_roles} == {"mssp:latest"}
    assert all(services[role]["build"]["context"] == ".." for role in app_roles)
    assert services["migrate"]["restart"] == "no"
    assert "flask db upgrade" in " ".join(services["migrate"]["command"])
    for role in ("web", "scheduler", "worker"):
        depends = services[role]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert services[role]["env_file"] == "mssp.env"  # secrets from an env file
        assert services[role]["environment"]["MSSP_SCHEDULER_WORKERS"] == "0"
    assert [services[r]["deploy"]["replicas"] for r in ("web", "scheduler", "worker")] == [2, 2, 2]
    assert services["scheduler"]["command"] == ["flask", "mssp", "scheduler"]
    assert services["worker"]["command"] == ["flask", "mssp", "worker"]


def test_compose_has_healthchecks_and_a_proxy_in_front_of_the_web_replicas():
    services = compose()["services"]
    for name in ("postgres", "redis", "web", "scheduler", "worker", "proxy"):
        assert services[name]["healthcheck"]["test"], name
    assert "/health" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["proxy"]["ports"] == ["8080:80"]
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "server web:8080" in nginx and "proxy_pass http://mssp_web" in nginx
    example = (DEPLOY / "mssp.env.example").read_text()
    assert re.search(r"^SECRET_KEY=", example, re.M) and re.search(r"^MSSP_ENCRYPTION_KEYS=", example, re.M)


def template_docs(name: str) -> list[str]:
    return (CHART / "templates" / name).read_text().split("\n---\n")


def test_the_helm_chart_has_every_role_with_probes_a_hook_and_config():
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2" and chart["name"] == "mssp"
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["scheduler"]["replicas"] == 2 and values["worker"]["replicas"] >= 1
    assert values["web"]["autoscaling"]["enabled"] is True
    assert values["config"]["MSSP_SCHEDULER_WORKERS"] == "0"
    assert {"DATABASE_URL", "SECRET_KEY", "MSSP_ENCRYPTION_KEYS"} <= set(values["secrets"])

    web = "\n".join(template_docs("web.yaml"))
    assert "kind: Deployment" in web and "kind: HorizontalPodAutoscaler" in web and "kind: Service" in web
    assert web.count("path: /health") == 2  # readiness and liveness
    scheduler = (CHART / "templates" / "scheduler.yaml").read_text()
    assert 'command: ["flask", "mssp", "scheduler"]' in scheduler
    assert "replicas: {{ .Values.scheduler.replicas }}" in scheduler
    assert 'command: ["flask", "mssp", "worker"]' in (CHART / "templates" / "worker.yaml").read_text()
    migrate = (CHART / "templates" / "migrate-job.yaml").read_text()
    assert "kind: Job" in migrate and "helm.sh/hook: pre-install,pre-upgrade" in migrate
    assert "flask db upgrade" in migrate
    assert "kind: ConfigMap" in (CHART / "templates" / "configmap.yaml").read_text()
    assert "kind: Secret" in (CHART / "templates" / "secret.yaml").read_text()
    # Every role reads the same ConfigMap and Secret.
    for name in ("web.yaml", "scheduler.yaml", "worker.yaml", "migrate-job.yaml"):
        assert 'include "mssp.envFrom"' in (CHART / "templates" / name).read_text(), name


def test_values_and_plain_yaml_of_the_templates_parse():
    """Template lines without Go-template actions must be valid YAML once the actions are
    replaced by placeholders (a typo in indentation shows here)."""
    for path in (CHART / "templates").glob("*.yaml"):
        for doc in path.read_text().split("\n---\n"):
            lines = [
                re.sub(r"\{\{.*?\}\}", "x", line)
                for line in doc.splitlines()
                if not re.match(r"^\s*\{\{-?\s*(if|end|with|range|else|include|toYaml)", line)
            ]
            parsed = yaml.safe_load("\n".join(lines))
            assert parsed is None or isinstance(parsed, dict), path.name
