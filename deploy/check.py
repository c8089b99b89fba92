"""Offline checks of deploy/: no cluster, no AWS account, no Docker engine needed.

usage: python deploy/check.py [--self-test | --commands]

- Kubernetes: every manifest validated (strict) against the pinned Kubernetes version's OpenAPI
  schemas with kubernetes-validate, then checked for what a schema cannot say: an Indexed Job
  whose FIRN_SHARD_COUNT equals its completions, non-root read-only pods, service accounts
  annotated for IRSA, a Service and an HPA that point at the Deployment.
- AWS Batch: the job definition and the array and gather submissions (AWS CLI --cli-input-json
  documents) have the keys AWS requires and agree with each other (array size = shard count).
- IAM: least privilege: exactly the S3 actions firn uses, on the source and run prefixes only,
  no wildcard action or resource, no delete; trust policies for the right service account.
- Dockerfile: parsed into instructions and checked structurally: multi-stage, pinned bases, the
  binary built without libhdf5 (--no-default-features), a non-root distroless runtime stage.

--self-test applies known mistakes one at a time and fails unless each one is caught.
--commands prints, as JSON, the firn command lines the Jobs and Batch submissions run.
Exits 1 listing every problem found.
"""

import copy
import json
import re
import sys
from pathlib import Path

import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
KUBERNETES_VERSION = "1.33.0"
WORKER_ACTIONS = {
    "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
}
WRITE_ACTIONS = {"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}
OBJECT_ACTIONS = WRITE_ACTIONS | {"s3:GetObject"}
READ_ACTIONS = {"s3:ListBucket", "s3:GetObject"}
ROLE_ARN = re.compile(r"^arn:aws:iam::\d{12}:role/([\w+=,.@-]+)$")
DOCKER_INSTRUCTIONS = {
    "FROM", "RUN", "COPY", "ADD", "ARG", "ENV", "WORKDIR", "USER", "ENTRYPOINT", "CMD", "LABEL",
    "EXPOSE", "HEALTHCHECK", "VOLUME", "STOPSIGNAL", "SHELL", "ONBUILD",
}


def dockerfile_instructions(text):
    """The Dockerfile as (INSTRUCTION, arguments) pairs: comments dropped, continuations joined."""
    out, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not current):
            continue
        if line.endswith("\\"):
            current += line[:-1].strip() + " "
            continue
        current += line
        word, _, rest = current.partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    return out


class Deploy:
    """Everything under deploy/, parsed."""

    def __init__(self):
        self.kubernetes = []
        for path in sorted((ROOT / "kubernetes").glob("*.yaml")):
            for doc in yaml.safe_load_all(path.read_text()):
                if doc:
                    self.kubernetes.append((path.name, doc))
        self.batch = {p.stem: json.loads(p.read_text()) for p in (ROOT / "batch").glob("*.json")}
        self.iam = {p.stem: json.loads(p.read_text()) for p in (ROOT / "iam").glob("*.json")}
        self.dockerfile = dockerfile_instructions((ROOT / "Dockerfile").read_text())

    def objects(self, kind):
        return [doc for _, doc in self.kubernetes if doc.get("kind") == kind]

    def named(self, kind, name):
        found = [d for d in self.objects(kind) if d["metadata"]["name"] == name]
        return found[0] if found else None


def flag(args, name):
    """The value after `name` in an argument list, or None."""
    return args[args.index(name) + 1] if name in args and args.index(name) + 1 < len(args) else None


def s3_parts(url):
    """(bucket, key) of an s3:// URL."""
    bucket, _, key = url[len("s3://"):].partition("/")
    return bucket, key


def listify(value):
    return value if isinstance(value, list) else [value]


def dockerfile_user(d):
    users = [args for word, args in d.dockerfile if word == "USER"]
    return users[-1].split(":")[0] if users else None


def components(d, component):
    return [j for j in d.objects("Job")
            if j["metadata"].get("labels", {}).get("app.kubernetes.io/component") == component]


def check_kubernetes(d):
    errors = []
    for name, doc in d.kubernetes:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{name}: {doc.get('kind')}/{doc.get('metadata', {}).get('name')}: "
                          f"{'.'.join(str(p) for p in e.path)}: {e.message}")
        except Exception as e:  # an unknown kind or version is a failure too
            errors.append(f"{name}: {doc.get('kind')}: {e}")
        if doc.get("kind") != "Namespace" and doc.get("metadata", {}).get("namespace") != "firn":
            errors.append(f"{name}: {doc.get('kind')} is not in namespace firn")
    uid = dockerfile_user(d)
    images = set()
    accounts = {sa["metadata"]["name"]: sa for sa in d.objects("ServiceAccount")}
    templates = [(j["metadata"]["name"], j["spec"]["template"]["spec"]) for j in d.objects("Job")]
    templates += [(x["metadata"]["name"], x["spec"]["template"]["spec"])
                  for x in d.objects("Deployment")]
    for owner, pod in templates:
        sa = accounts.get(pod.get("serviceAccountName"))
        role = (sa or {}).get("metadata", {}).get("annotations", {}).get("eks.amazonaws.com/role-arn", "")
        if not ROLE_ARN.match(role):
            errors.append(f"{owner}: service account {pod.get('serviceAccountName')} has no IRSA role")
        security = pod.get("securityContext", {})
        if security.get("runAsNonRoot") is not True or str(security.get("runAsUser")) != uid:
            errors.append(f"{owner}: pod must run as non-root user {uid} (the image's USER)")
        tmp_volumes = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        for container in pod["containers"]:
            images.add(container["image"])
            sc = container.get("securityContext", {})
            if sc.get("allowPrivilegeEscalation") is not False:
                errors.append(f"{owner}: allowPrivilegeEscalation must be false")
            if sc.get("readOnlyRootFilesystem") is not True:
                errors.append(f"{owner}: the root filesystem must be read-only")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []):
                errors.append(f"{owner}: capabilities must drop ALL")
            resources = container.get("resources", {})
            if not {"cpu", "memory"} <= set(resources.get("requests", {})) or \
                    "memory" not in resources.get("limits", {}):
                errors.append(f"{owner}: cpu and memory requests and a memory limit are needed")
            if not any(m["mountPath"] == "/tmp" and m["name"] in tmp_volumes
                       for m in container.get("volumeMounts", [])):
                errors.append(f"{owner}: /tmp must be an emptyDir (the root filesystem is read-only)")
    if len(images) != 1:
        errors.append(f"every pod must run the same image, found {sorted(images)}")

    shards, gathers = components(d, "atl06p"), components(d, "gather")
    if len(shards) != 1 or len(gathers) != 1:
        return errors + ["expected one atl06p Job and one gather Job"]
    job, gather = shards[0]["spec"], gathers[0]["spec"]
    pod = job["template"]["spec"]
    container = pod["containers"][0]
    args = container.get("args", [])
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    if job.get("completionMode") != "Indexed":
        errors.append("atl06p Job: completionMode must be Indexed (JOB_COMPLETION_INDEX)")
    if env.get("FIRN_SHARD_COUNT") != str(job.get("completions")):
        errors.append(f"atl06p Job: FIRN_SHARD_COUNT {env.get('FIRN_SHARD_COUNT')} "
                      f"!= completions {job.get('completions')}")
    if job.get("parallelism", 1) > job.get("completions", 1):
        errors.append("atl06p Job: parallelism above completions")
    if pod.get("restartPolicy") != "Never":
        errors.append("atl06p Job: restartPolicy must be Never (a retry is a new pod)")
    rules = job.get("podFailurePolicy", {}).get("rules", [])
    if not any(r["action"] == "FailJob" and 2 in r.get("onExitCodes", {}).get("values", [])
               for r in rules):
        errors.append("atl06p Job: exit code 2 (a bad request) must fail the Job, not be retried")
    if not args or args[0] != "atl06p" or not (flag(args, "--output") or "").endswith("/"):
        errors.append("atl06p Job: must run `atl06p ... --output s3://bucket/prefix/`")
    gather_args = gather["template"]["spec"]["containers"][0].get("args", [])
    if not gather_args or gather_args[0] != "gather" or \
            flag(gather_args, "--output") != flag(args, "--output"):
        errors.append("gather Job: must run `gather --output` on the atl06p Job's output prefix")
    merge = flag(gather_args, "--merge") or ""
    if merge.startswith((flag(args, "--output") or "?").rstrip("/") + "/"):
        errors.append("gather Job: the merged file must not be under the run's prefix")

    for deployment in d.objects("Deployment"):
        name = deployment["metadata"]["name"]
        template = deployment["spec"]["template"]
        labels = template["metadata"].get("labels", {})
        serve_args = template["spec"]["containers"][0].get("args", [])
        if not serve_args or serve_args[0] != "serve":
            errors.append(f"Deployment {name}: must run `serve`")
        ports = {p.get("name"): p["containerPort"] for p in template["spec"]["containers"][0].get("ports", [])}
        services = [s for s in d.objects("Service")
                    if s["spec"].get("selector") and
                    all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
        if not services:
            errors.append(f"Deployment {name}: no Service selects its pods")
        for service in services:
            for port in service["spec"]["ports"]:
                target = port.get("targetPort")
                if target not in ports and target not in ports.values():
                    errors.append(f"Service {service['metadata']['name']}: targetPort {target} is not a container port")
        hpas = [h for h in d.objects("HorizontalPodAutoscaler")
                if h["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}]
        if not hpas:
            errors.append(f"Deployment {name}: no HorizontalPodAutoscaler scales it")
        for hpa in hpas:
            spec = hpa["spec"]
            if not 1 <= spec.get("minReplicas", 1) <= spec["maxReplicas"] or not spec.get("metrics"):
                errors.append(f"HPA {hpa['metadata']['name']}: needs 1 <= minReplicas <= maxReplicas and a metric")
    return errors


def check_batch(d):
    errors = []
    definition = d.batch.get("job-definition")
    array = d.batch.get("submit-array")
    gather = d.batch.get("submit-gather")
    if not (definition and array and gather):
        return ["batch/: job-definition.json, submit-array.json and submit-gather.json are needed"]
    for key in ("jobDefinitionName", "type", "containerProperties"):
        if key not in definition:
            errors.append(f"job definition: {key} missing")
    container = definition.get("containerProperties", {})
    for key in ("image", "command", "jobRoleArn", "resourceRequirements"):
        if key not in container:
            errors.append(f"job definition: containerProperties.{key} missing")
    if definition.get("type") != "container":
        errors.append("job definition: type must be container")
    kinds = {r.get("type") for r in container.get("resourceRequirements", [])}
    if not {"VCPU", "MEMORY"} <= kinds:
        errors.append("job definition: VCPU and MEMORY resource requirements are needed")
    if str(container.get("user")) != dockerfile_user(d) or container.get("privileged"):
        errors.append(f"job definition: must run as the image's non-root user {dockerfile_user(d)}, unprivileged")
    if container.get("readonlyRootFilesystem") is not True:
        errors.append("job definition: the root filesystem must be read-only")
    if not ROLE_ARN.match(container.get("jobRoleArn", "")):
        errors.append("job definition: jobRoleArn is not a role ARN")
    command = container.get("command", [])
    if not command or command[0] != "atl06p":
        errors.append("job definition: the command must be atl06p")
    for ref in [c[len("Ref::"):] for c in command if c.startswith("Ref::")]:
        if ref not in definition.get("parameters", {}):
            errors.append(f"job definition: Ref::{ref} has no default parameter")
    exits = definition.get("retryStrategy", {}).get("evaluateOnExit", [])
    if not exits or exits[0].get("onExitCode") != "2" or exits[0].get("action") != "EXIT":
        errors.append("job definition: exit code 2 (a bad request) must not be retried (first rule)")
    images = {c["image"] for _, doc in d.kubernetes if doc.get("kind") in ("Job", "Deployment")
              for c in doc["spec"]["template"]["spec"]["containers"]}
    if {container.get("image")} != images:
        errors.append("job definition: not the image the Kubernetes manifests run")

    for key in ("jobName", "jobQueue", "jobDefinition"):
        if key not in array or key not in gather:
            errors.append(f"submissions: {key} missing")
    if array.get("jobDefinition") != definition.get("jobDefinitionName") or \
            gather.get("jobDefinition") != definition.get("jobDefinitionName"):
        errors.append("submissions: not the job definition's name")
    size = array.get("arrayProperties", {}).get("size", 0)
    if not 2 <= size <= 10000:
        errors.append(f"array submission: arrayProperties.size {size} not within 2..10000")
    env = {e["name"]: e["value"] for e in array.get("containerOverrides", {}).get("environment", [])}
    if env.get("FIRN_SHARD_COUNT") != str(size):
        errors.append(f"array submission: FIRN_SHARD_COUNT {env.get('FIRN_SHARD_COUNT')} != array size {size}")
    try:
        if "parms" not in json.loads(env.get("FIRN_REQUEST", "")):
            errors.append("array submission: FIRN_REQUEST has no parms")
    except json.JSONDecodeError as e:
        errors.append(f"array submission: FIRN_REQUEST is not JSON: {e}")
    output = {**definition.get("parameters", {}), **array.get("parameters", {})}.get("output", "")
    if not output.endswith("/"):
        errors.append("array submission: the output must be a prefix ending in /")
    if not any("jobId" in dep for dep in gather.get("dependsOn", [])):
        errors.append("gather submission: must depend on the array job (dependsOn jobId)")
    gather_command = gather.get("containerOverrides", {}).get("command", [])
    if not gather_command or gather_command[0] != "gather" or flag(gather_command, "--output") != output:
        errors.append("gather submission: must run `gather --output` on the array's output prefix")
    return errors


def statements(policy, name):
    errors = []
    if policy.get("Version") != "2012-10-17":
        errors.append(f"{name}: Version must be 2012-10-17")
    body = policy.get("Statement")
    if not isinstance(body, list) or not body:
        return [], errors + [f"{name}: Statement must be a non-empty list"]
    sids = [s.get("Sid") for s in body]
    if None in sids or len(set(sids)) != len(sids):
        errors.append(f"{name}: every statement needs a distinct Sid")
    for s in body:
        if s.get("Effect") != "Allow":
            errors.append(f"{name}: {s.get('Sid')}: only Allow statements belong here")
        if {"NotAction", "NotResource", "NotPrincipal"} & set(s):
            errors.append(f"{name}: {s.get('Sid')}: NotAction/NotResource/NotPrincipal grant too much")
        for action in listify(s.get("Action", [])):
            if "*" in action:
                errors.append(f"{name}: {s.get('Sid')}: wildcard action {action}")
    return body, errors


def s3_resource(arn):
    """(bucket, prefix or None for the bucket itself) of an S3 ARN, or None."""
    if not arn.startswith("arn:aws:s3:::"):
        return None
    bucket, slash, key = arn[len("arn:aws:s3:::"):].partition("/")
    return bucket, (key if slash else None)


def check_iam(d):
    errors = []
    job = components(d, "atl06p")[0]["spec"]["template"]["spec"]["containers"][0]["args"]
    gather = components(d, "gather")[0]["spec"]["template"]["spec"]["containers"][0]["args"]
    source_bucket, source_key = s3_parts(flag(job, "--source"))
    writes = [flag(job, "--output"), flag(gather, "--merge")]
    batch = d.batch.get("job-definition", {}).get("parameters", {})
    writes += [u for u in (batch.get("output"), ) if u]
    merges = d.batch.get("submit-gather", {}).get("containerOverrides", {}).get("command", [])
    writes += [u for u in (flag(merges, "--merge"),) if u]

    def covered(url, grants):
        bucket, key = s3_parts(url)
        return any(b == bucket and p and p.endswith("/*") and key.startswith(p[:-1]) for b, p in grants)

    for name, allowed, readers_only in (("worker-policy", WORKER_ACTIONS, False),
                                        ("serve-policy", READ_ACTIONS, True)):
        policy = d.iam.get(name)
        if policy is None:
            errors.append(f"iam/{name}.json missing")
            continue
        body, problems = statements(policy, name)
        errors += problems
        granted, write_grants, read_grants = set(), [], []
        for s in body:
            actions = set(listify(s.get("Action", [])))
            granted |= actions
            resources = [s3_resource(r) for r in listify(s.get("Resource", []))]
            if None in resources or not resources:
                errors.append(f"{name}: {s.get('Sid')}: resources must be S3 ARNs, found {s.get('Resource')}")
                continue
            if "s3:ListBucket" in actions:
                prefixes = s.get("Condition", {}).get("StringLike", {}).get("s3:prefix", [])
                if actions != {"s3:ListBucket"} or any(p is not None for _, p in resources):
                    errors.append(f"{name}: {s.get('Sid')}: ListBucket goes alone, on bucket ARNs")
                if not prefixes or any(not p.endswith("/*") or len(p) < 3 for p in listify(prefixes)):
                    errors.append(f"{name}: {s.get('Sid')}: ListBucket needs an s3:prefix condition on a prefix")
            if actions & OBJECT_ACTIONS:
                for bucket, prefix in resources:
                    if not prefix or not prefix.endswith("/*") or len(prefix) < 3:
                        errors.append(f"{name}: {s.get('Sid')}: object actions need a bucket/prefix/* resource")
                    if actions & WRITE_ACTIONS:
                        write_grants.append((bucket, prefix))
                    if "s3:GetObject" in actions:
                        read_grants.append((bucket, prefix))
        if granted - allowed:
            errors.append(f"{name}: actions beyond what firn uses: {sorted(granted - allowed)}")
        if not readers_only and allowed - granted:
            errors.append(f"{name}: actions firn needs are missing: {sorted(allowed - granted)}")
        if any(b == source_bucket for b, _ in write_grants):
            errors.append(f"{name}: write access to the source bucket {source_bucket}")
        if not covered(f"s3://{source_bucket}/{source_key}/x.h5", read_grants):
            errors.append(f"{name}: cannot read the source s3://{source_bucket}/{source_key}")
        for url in writes if not readers_only else []:
            if not covered(url, write_grants) or not covered(url, read_grants):
                errors.append(f"{name}: cannot read and write {url}")
        if readers_only and write_grants:
            errors.append(f"{name}: serve reads the source only")

    accounts = {sa["metadata"]["name"]: sa for sa in d.objects("ServiceAccount")}
    for account, trust_name in (("firn-worker", "irsa-trust-policy-worker"),
                                ("firn-serve", "irsa-trust-policy-serve")):
        trust = d.iam.get(trust_name)
        role = accounts.get(account, {}).get("metadata", {}).get("annotations", {}).get(
            "eks.amazonaws.com/role-arn", "")
        if trust is None or not ROLE_ARN.match(role):
            errors.append(f"{trust_name}: missing, or {account} has no IRSA role")
            continue
        body, problems = statements(trust, trust_name)
        errors += problems
        good = [s for s in body
                if s.get("Action") == "sts:AssumeRoleWithWebIdentity"
                and ":oidc-provider/" in s.get("Principal", {}).get("Federated", "")
                and any(k.endswith(":sub") and v == f"system:serviceaccount:firn:{account}"
                        for k, v in s.get("Condition", {}).get("StringEquals", {}).items())
                and any(k.endswith(":aud") and v == "sts.amazonaws.com"
                        for k, v in s.get("Condition", {}).get("StringEquals", {}).items())]
        if len(good) != len(body) or not good:
            errors.append(f"{trust_name}: must let only service account firn/{account} assume the role")
    batch_trust = d.iam.get("batch-trust-policy")
    if batch_trust is None:
        errors.append("iam/batch-trust-policy.json missing")
    else:
        body, problems = statements(batch_trust, "batch-trust-policy")
        errors += problems
        if any(s.get("Principal") != {"Service": "ecs-tasks.amazonaws.com"} or
               s.get("Action") != "sts:AssumeRole" for s in body):
            errors.append("batch-trust-policy: only ECS tasks (Batch jobs) may assume the role")
    job_role = ROLE_ARN.match(d.batch.get("job-definition", {}).get("containerProperties", {}).get("jobRoleArn", ""))
    worker_role = ROLE_ARN.match(accounts.get("firn-worker", {}).get("metadata", {}).get(
        "annotations", {}).get("eks.amazonaws.com/role-arn", ""))
    if not (job_role and worker_role and job_role.group(1) == worker_role.group(1)):
        errors.append("the Batch jobRoleArn and the firn-worker IRSA role must be the same role")
    return errors


def check_dockerfile(d):
    errors = []
    steps = d.dockerfile
    for word, _ in steps:
        if word not in DOCKER_INSTRUCTIONS:
            errors.append(f"Dockerfile: unknown instruction {word}")
    if next((w for w, _ in steps if w != "ARG"), None) != "FROM":
        errors.append("Dockerfile: the first instruction after ARGs must be FROM")
    stages, current = [], None
    for word, args in steps:
        if word == "FROM":
            parts = args.split()
            image = [p for p in parts if not p.startswith("--")][0]
            name = parts[parts.index("AS") + 1] if "AS" in parts else (
                parts[parts.index("as") + 1] if "as" in parts else None)
            current = {"image": image, "name": name, "steps": []}
            stages.append(current)
        elif current is not None:
            current["steps"].append((word, args))
    if len(stages) < 2:
        return errors + ["Dockerfile: expected a builder stage and a runtime stage"]
    builder, runtime = stages[0], stages[-1]
    if builder["name"] != "builder":
        errors.append("Dockerfile: the first stage must be named builder")
    for stage in stages:
        image = stage["image"]
        if image in [s["name"] for s in stages]:
            continue
        tag = image.rsplit("/", 1)[-1]
        if "@sha256:" not in image and (":" not in tag or tag.endswith(":latest")):
            errors.append(f"Dockerfile: base image {image} must be pinned (a tag other than latest, or a digest)")
    for stage in stages:
        for word, args in stage["steps"]:
            if word in ("RUN", "COPY", "ADD") and "libhdf5" in args:
                errors.append(f"Dockerfile: {word} {args[:40]}…: the binary needs no libhdf5")
            if word == "ADD" and re.search(r"https?://", args):
                errors.append("Dockerfile: ADD of a URL (fetch nothing at build time)")
    build = " ".join(a for w, a in builder["steps"] if w == "RUN")
    for needed in ("cargo build", "--release", "--locked", "--no-default-features", "-p firn-worker"):
        if needed not in build:
            errors.append(f"Dockerfile: the builder must run cargo build with {needed}")
    for word, args in builder["steps"]:
        if word == "COPY" and "--from" not in args:
            for source in args.split()[:-1]:
                if not source.startswith("--") and not (REPO / source).exists():
                    errors.append(f"Dockerfile: COPY {source}: no such path in the repository")
    if runtime["image"] == builder["image"] or runtime["image"] == "builder":
        errors.append("Dockerfile: the runtime stage must not be the builder image")
    if any(w == "RUN" for w, _ in runtime["steps"]):
        errors.append("Dockerfile: the runtime stage runs nothing at build time (distroless: no shell)")
    copies = [a for w, a in runtime["steps"] if w == "COPY" and "--from=builder" in a]
    if not copies:
        errors.append("Dockerfile: the runtime stage must COPY --from=builder the binary")
    users = [a for w, a in runtime["steps"] if w == "USER"]
    uid = users[-1].split(":")[0] if users else ""
    if not uid.isdigit() or int(uid) == 0:
        errors.append(f"Dockerfile: the runtime stage needs a numeric non-root USER, found {uid or 'none'}")
    entry = [a for w, a in runtime["steps"] if w == "ENTRYPOINT"]
    try:
        exec_form = json.loads(entry[-1]) if entry else None
    except json.JSONDecodeError:
        exec_form = None
    if not exec_form or not copies or not copies[-1].split()[-1] == exec_form[0]:
        errors.append("Dockerfile: ENTRYPOINT must be the exec form of the copied binary")
    return errors


def check(d):
    return check_kubernetes(d) + check_batch(d) + check_iam(d) + check_dockerfile(d)


def job_container(d):
    return components(d, "atl06p")[0]["spec"]["template"]["spec"]["containers"][0]


def set_env(container, name, value):
    for e in container["env"]:
        if e["name"] == name:
            e["value"] = value


def worker(d):
    return d.iam["worker-policy"]["Statement"]


def replace_step(d, word, old, new):
    d.dockerfile = [(w, a.replace(old, new)) if w == word else (w, a) for w, a in d.dockerfile]


MUTATIONS = [
    ("a misspelt Job field", lambda d: components(d, "atl06p")[0]["spec"].update(completionz=3)),
    ("a Job without Indexed completion", lambda d: components(d, "atl06p")[0]["spec"].pop("completionMode")),
    ("FIRN_SHARD_COUNT != completions", lambda d: set_env(job_container(d), "FIRN_SHARD_COUNT", "15")),
    ("exit 2 retried", lambda d: components(d, "atl06p")[0]["spec"].pop("podFailurePolicy")),
    ("a pod running as root", lambda d: components(d, "atl06p")[0]["spec"]["template"]["spec"]["securityContext"].update(runAsUser=0)),
    ("a writable root filesystem", lambda d: job_container(d)["securityContext"].update(readOnlyRootFilesystem=False)),
    ("a service account without IRSA", lambda d: d.objects("ServiceAccount")[0]["metadata"].pop("annotations")),
    ("an HPA on another Deployment", lambda d: d.objects("HorizontalPodAutoscaler")[0]["spec"]["scaleTargetRef"].update(name="other")),
    ("a Service selecting no pod", lambda d: d.objects("Service")[0]["spec"]["selector"].update(tier="x")),
    ("gather on another prefix", lambda d: components(d, "gather")[0]["spec"]["template"]["spec"]["containers"][0]["args"].__setitem__(2, "s3://example-firn-results/runs/other/")),
    ("a Batch shard count != array size", lambda d: d.batch["submit-array"]["arrayProperties"].update(size=199)),
    ("Batch retrying exit 2", lambda d: d.batch["job-definition"]["retryStrategy"]["evaluateOnExit"].pop(0)),
    ("a Batch job as root", lambda d: d.batch["job-definition"]["containerProperties"].update(user="0")),
    ("gather not waiting for the array", lambda d: d.batch["submit-gather"].pop("dependsOn")),
    ("s3:DeleteObject granted", lambda d: worker(d)[4]["Action"].append("s3:DeleteObject")),
    ("a wildcard action", lambda d: worker(d)[3].update(Action="s3:*")),
    ("a wildcard resource", lambda d: worker(d)[3].update(Resource="*")),
    ("ListBucket on every prefix", lambda d: worker(d)[0].pop("Condition")),
    ("writing to the source", lambda d: worker(d)[4].update(Resource=["arn:aws:s3:::example-firn-results/runs/*", "arn:aws:s3:::example-atl03-source/ATLAS/ATL03/006/*"])),
    ("no AbortMultipartUpload", lambda d: worker(d)[4]["Action"].remove("s3:AbortMultipartUpload")),
    ("a NotAction statement", lambda d: worker(d)[1].update(NotAction="s3:DeleteObject")),
    ("a trust policy for another service account", lambda d: d.iam["irsa-trust-policy-worker"]["Statement"][0]["Condition"]["StringEquals"].update({k: "system:serviceaccount:default:default" for k in d.iam["irsa-trust-policy-worker"]["Statement"][0]["Condition"]["StringEquals"] if k.endswith(":sub")})),
    ("serve writing", lambda d: d.iam["serve-policy"]["Statement"][1].update(Action=["s3:GetObject", "s3:PutObject"])),
    ("no USER in the image", lambda d: setattr(d, "dockerfile", [s for s in d.dockerfile if s[0] != "USER"])),
    ("USER root", lambda d: replace_step(d, "USER", "65532:65532", "root")),
    ("a build with libhdf5's synth feature", lambda d: replace_step(d, "RUN", "--no-default-features ", "")),
    ("libhdf5 installed", lambda d: d.dockerfile.append(("RUN", "apt-get install -y libhdf5-103"))),
    ("a single stage", lambda d: setattr(d, "dockerfile", [s for s in d.dockerfile if not (s[0] == "FROM" and "distroless" in s[1])])),
    ("an unpinned base", lambda d: replace_step(d, "FROM", "cc-debian12:nonroot", "cc-debian12:latest")),
    ("a COPY of a missing path", lambda d: d.dockerfile.insert(3, ("COPY", "nowhere ./nowhere"))),
]


def self_test():
    base = Deploy()
    problems = check(base)
    if problems:
        return [f"the real files must pass first: {p}" for p in problems]
    missed = []
    for name, mutate in MUTATIONS:
        d = copy.deepcopy(base)
        mutate(d)
        if not check(d):
            missed.append(f"not caught: {name}")
    print(f"self-test: {len(MUTATIONS) - len(missed)} of {len(MUTATIONS)} mistakes caught")
    return missed


def commands(d):
    """The `firn` argument lists of the atl06p and gather Jobs, the serve Deployment and the Batch jobs."""
    lines = [j["spec"]["template"]["spec"]["containers"][0]["args"]
             for j in components(d, "atl06p") + components(d, "gather") + d.objects("Deployment")]
    definition = d.batch["job-definition"]
    lines.append(definition["containerProperties"]["command"])
    lines.append(d.batch["submit-gather"]["containerOverrides"]["command"])
    return lines


def main():
    if "--commands" in sys.argv[1:]:
        print(json.dumps(commands(Deploy())))
        return
    problems = self_test() if "--self-test" in sys.argv[1:] else check(Deploy())
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"deploy/: ok (Kubernetes {KUBERNETES_VERSION} schemas, Batch, IAM, Dockerfile)")


if __name__ == "__main__":
    main()
