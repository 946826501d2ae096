"""The demo cluster: what ``inference-console demo`` shows, as one deterministic snapshot.

A GPU cluster in us-east-1 serving models through four operators side by side -- KServe,
Yatai (BentoML), Takeoff and the Kubeflow Model Registry -- that has been running for weeks,
with everything the controllers created behind each model (Deployments -> ReplicaSets -> Pods
with ownerReferences, Services, Events) and a handful of realistic failures:

* **Namespaces**: ``default``, ``kube-system``, the model namespaces ``llm-prod``,
  ``llm-staging``, ``vision``, ``tabular``, ``bentoml`` and ``takeoff`` (each with a
  ``model-config`` ConfigMap holding the "new model" form's :data:`PRESETS`), and
  ``model-registry``.
* **Nodes** (:data:`NODES`): two A100 x8, one H100 x8 and one L4 x4; ``gpu-a100-1`` is
  cordoned (ECC errors on a GPU, waiting for a hardware swap).
* **KServe InferenceServices** (RawDeployment unless said otherwise):

  - healthy: ``qwen-chat`` and ``llama3-8b`` (two replicas) in llm-prod; ``llama-8b-registry``
    (a ``model-registry://`` URI, 35 minutes old) and ``granite-3b`` (an ``oci://`` modelcar)
    in llm-staging; ``resnet50`` (ONNX on Triton) and ``yolo-detector`` (restarted twice) in
    vision; ``sklearn-iris`` and ``xgboost-fraud`` (two replicas) in tabular;
  - ``gemma-9b`` (llm-prod) is OOMKilled while loading the model (12Gi limit) and sits in
    CrashLoopBackOff after 23 restarts, the node reporting OOMKilling;
  - ``llama-70b`` (llm-prod) asks for 8 GPUs and stays Pending: no schedulable node has them;
  - ``phi3-mini`` (llm-staging) uses a custom runtime whose image does not exist:
    ErrImagePull / ImagePullBackOff;
  - ``qwen-small`` (llm-staging) is stopped (the ``serving.kserve.io/stop`` annotation);
  - ``mistral-7b`` (llm-prod) is Serverless and mid-canary: revision 00002 takes 10% of the
    traffic beside 00001.

* **Yatai** (bentoml): BentoDeployments ``iris-classifier``, ``sentiment-api`` and
  ``summarizer`` (its runner on the L4's GPU) run; ``fraud-detector`` fails to reconcile
  because the image build of its new Bento failed (the builder pod is Failed) and keeps
  running the previous version; one more BentoRequest (``text-embedder``) is still building.
* **Takeoff** (takeoff): InferenceStacks ``chat-stack`` (a GPU llama reader and a CPU
  embedder) and ``batch-stack`` (mistral on two GPUs and a coder model), each with a gateway.
* **Model Registry** (model-registry): ``modelregistry-public`` and its REST server.
* **Secrets**: a Hugging Face token and S3 credentials in llm-prod, the registry's database
  password (all fake).
* **Hostile text**: ``sklearn-iris`` carries a ``note`` annotation of terminal escape
  sequences (:data:`ESCAPE_NOTE`: an OSC 52 clipboard write and colour codes) that the console
  must show inert, and ``xgboost-fraud`` a ~100 KB JSON annotation.
* **Scale**: ``build(scale=N)`` adds N load-generator pods (one k6 Deployment per model
  namespace) and changes nothing else.

Every story comes with the events a real cluster would hold for it (with counts and first/last
timestamps), ages are relative to ``now``, and uids and generated names come from ``rng_seed``:
the same arguments give the same cluster.  Nothing here does I/O.

``build()`` also returns ``roles``: where the moving parts are (see :class:`SeedResult`), for
:mod:`inference_console.sandbox.controller` to keep the stories going.  The object shapes come
from :mod:`inference_console.sandbox.shapes`; this module only says what the cluster holds.

More demo data (metrics, logs, registry contents) belongs with the scenario: one module per
kind of data beside this one, reading the names it needs from :data:`SeedResult.roles` and the
objects rather than repeating them, with any new object shapes in ``shapes/``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .shapes.core import GPU, Factory, Obj, event_key, light_pod, owner_ref
from .shapes.kserve import (
    RUNTIMES,
    canary_revision_objects,
    inference_service,
    isvc_canary_status,
    isvc_pod_annotations,
    isvc_status_raw,
    isvc_status_stopped,
    predictor_deployment,
    predictor_pod_spec,
    predictor_service,
    predictor_spec,
    revision_name,
)
from .shapes.modelregistry import model_registry, model_registry_server
from .shapes.takeoff import inference_stack, stack_fullname, stack_gateway, stack_reader
from .shapes.yatai import (
    IMAGE_BUILD_ERROR,
    bento,
    bento_component,
    bento_deployment,
    bento_deployment_available,
    bento_deployment_bento_unavailable,
    bento_request,
    bento_request_build_failed,
    bento_request_building,
    bento_request_built,
    image_builder_pod,
    image_builder_pod_name,
)

DAY = 86400.0
HOUR = 3600.0

MODEL_NAMESPACES = ("llm-prod", "llm-staging", "vision", "tabular", "bentoml", "takeoff")
NAMESPACES = ("default", "kube-system", *MODEL_NAMESPACES, "model-registry")

REGION = "us-east-1"
NODES = [
    # name, product, instance type, gpus, cpu, memory, zone, cordoned because
    ("gpu-a100-0", "NVIDIA-A100-SXM4-80GB", "p4de.24xlarge", 8, "96", "1152Gi", "us-east-1a", None),
    (
        "gpu-a100-1",
        "NVIDIA-A100-SXM4-80GB",
        "p4de.24xlarge",
        8,
        "96",
        "1152Gi",
        "us-east-1b",
        "ECC errors on GPU 3; waiting for hardware swap",
    ),
    ("gpu-h100-0", "NVIDIA-H100-80GB-HBM3", "p5.48xlarge", 8, "192", "2048Gi", "us-east-1a", None),
    ("gpu-l4-0", "NVIDIA-L4", "g6.12xlarge", 4, "48", "192Gi", "us-east-1c", None),
]

# What the scheduler says about a pod asking for more GPUs than any schedulable node has.
UNSCHEDULABLE_GPU_MESSAGE = "0/4 nodes are available: 4 Insufficient nvidia.com/gpu."
# The hostile-text annotation: an OSC 52 clipboard write and SGR colour codes.
ESCAPE_NOTE = "\x1b]52;c;ZXZpbA==\x07 \x1b[31mred\x1b[0m"

# The presets offered by the "new model" form, as the model-config ConfigMap holds them.
PRESETS: dict[str, dict[str, Any]] = {
    "qwen-small": {
        "storageUri": "hf://Qwen/Qwen2.5-0.5B-Instruct",
        "modelFormat": "huggingface",
        "gpus": 1,
        "memory": "16Gi",
    },
    "llama-8b": {
        "storageUri": "hf://meta-llama/Llama-3.1-8B-Instruct",
        "modelFormat": "huggingface",
        "gpus": 1,
        "memory": "32Gi",
    },
    "mistral-7b": {
        "storageUri": "hf://mistralai/Mistral-7B-Instruct-v0.3",
        "modelFormat": "huggingface",
        "gpus": 1,
        "memory": "32Gi",
    },
    "sklearn-iris": {
        "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
        "modelFormat": "sklearn",
        "gpus": 0,
        "memory": "1Gi",
    },
    "xgboost-iris": {
        "storageUri": "gs://kfserving-examples/models/xgboost/iris",
        "modelFormat": "xgboost",
        "gpus": 0,
        "memory": "1Gi",
    },
    "resnet50-onnx": {
        "storageUri": "s3://vision-models/resnet50/onnx",
        "modelFormat": "onnx",
        "gpus": 1,
        "memory": "8Gi",
    },
}


def presets_yaml(presets: dict[str, dict[str, Any]] = PRESETS) -> str:
    """Block-style YAML for the presets map (plain scalars only; no YAML library needed)."""
    lines: list[str] = []
    for name, fields in presets.items():
        lines.append(f"{name}:")
        for key, value in fields.items():
            lines.append(f"  {key}: {value}")
    return "\n".join(lines) + "\n"


# Where Yatai keeps Bentos and pushes their images.
BENTO_BUCKET = "s3://yatai-bentos/bentos"
BENTO_REGISTRY = "registry.internal/yatai-bentos"


def _bento_image(repo: str, version: str) -> str:
    return f"{BENTO_REGISTRY}/{repo}:{version}"


def _bento_url(repo: str, version: str) -> str:
    return f"{BENTO_BUCKET}/{repo}/{version}.bento"


@dataclass
class SeedResult:
    """The demo cluster: ``objects`` in creation order (owners before dependents) and ``roles``,
    where the stories are for the controller::

        crashloop      the OOM-killed pod (namespace, pod, container, node, isvc, memory, image,
                       reason)
        imagepull      the pod that cannot pull its image (namespace, pod, container, node, image,
                       isvc)
        pending        the pod waiting for GPUs (namespace, pod, isvc)
        canary         the Serverless rollout (namespace, isvc, runtime, image, node, storage_base,
                       previous, revision, percent, revisions: {n: its objects' names})
        bento_failing  the BentoDeployment failing to reconcile (namespace, bentodeployment,
                       bentorequest)
        healthy_pods   [{namespace, pod, container, node}] that may restart now and then
        events         event_key(...) -> name of every recurring event
    """

    objects: list[Obj]
    roles: dict[str, Any] = field(default_factory=dict)
    now: datetime | None = None


def seed_objects(scale: int = 0, rng_seed: int = 7, now: datetime | None = None) -> list[Obj]:
    """Every object of the demo cluster, in creation order (owners before dependents)."""
    return build(scale, rng_seed, now).objects


def build(scale: int = 0, rng_seed: int = 7, now: datetime | None = None) -> SeedResult:
    """The demo cluster as of ``now`` (default: the real now), plus ``scale`` load-generator pods."""
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    builder = _Builder(Factory(random.Random(rng_seed), now))
    builder.build_core()
    if scale > 0:
        builder.build_load(scale, random.Random(rng_seed * 1_000_003 + 17))
    return SeedResult(builder.ordered(), builder.roles, now)


_KIND_ORDER = [
    "Namespace",
    "Node",
    "Secret",
    "ConfigMap",
    "ModelRegistry",
    "InferenceService",
    "BentoRequest",
    "Bento",
    "BentoDeployment",
    "InferenceStack",
    "Deployment",
    "ReplicaSet",
    "Pod",
    "Service",
    "Event",
]


class _Builder:
    def __init__(self, f: Factory) -> None:
        self.f = f
        self.objs: list[Obj] = []
        self.roles: dict[str, Any] = {"events": {}, "healthy_pods": []}
        self.nodes: dict[str, Obj] = {}

    def add(self, *objs: Obj) -> None:
        self.objs.extend(objs)

    def ordered(self) -> list[Obj]:
        rank = {k: i for i, k in enumerate(_KIND_ORDER)}
        return sorted(self.objs, key=lambda o: rank.get(o["kind"], 50))  # stable

    def ev(self, involved: Obj, reason: str, message: str, tag: str | None = None, **kw: Any) -> Obj:
        e = self.f.event(involved, reason=reason, message=message, **kw)
        md = involved["metadata"]
        key = event_key(e["metadata"]["namespace"], involved["kind"], md["name"], tag or reason)
        self.roles["events"][key] = e["metadata"]["name"]
        self.add(e)
        return e

    # -- the cluster --
    def build_core(self) -> None:
        f = self.f
        for i, ns in enumerate(NAMESPACES):
            team = {"team": "vision" if ns == "vision" else "ml-platform"}
            self.add(f.namespace(ns, age=(120 - i * 7) * DAY, labels=team if ns in MODEL_NAMESPACES else None))
        for i, (name, product, itype, gpus, cpu, mem, zone, cordoned) in enumerate(NODES):
            node = f.node(
                i,
                name,
                product=product,
                instance_type=itype,
                gpus=gpus,
                cpu=cpu,
                memory=mem,
                region=REGION,
                zone=zone,
                age=(40 - i * 3) * DAY,
                cordoned=(3 * HOUR, cordoned) if cordoned else None,
            )
            self.nodes[name] = node
            self.add(node)
        self._secrets_and_config()
        self._kserve()
        self._yatai()
        self._takeoff()
        self._model_registry()

    def _secrets_and_config(self) -> None:
        f = self.f
        self.add(
            f.secret(
                "llm-prod",
                "hf-token",
                age=60 * DAY,
                labels={"app.kubernetes.io/part-of": "model-serving"},
                data={"HF_TOKEN": "hf_sandboxNotARealTokenXq7PzL3vW9kTb2", "HF_HUB_ENABLE_HF_TRANSFER": "1"},
            )
        )
        self.add(
            f.secret(
                "llm-prod",
                "s3-model-store",
                age=60 * DAY,
                annotations={
                    "serving.kserve.io/s3-endpoint": "s3.us-east-1.amazonaws.com",
                    "serving.kserve.io/s3-usehttps": "1",
                },
                data={
                    "AWS_ACCESS_KEY_ID": "AKIASANDBOXEXAMPLE01",
                    "AWS_SECRET_ACCESS_KEY": "sandbox/not-a-real/secret-key-0000000",
                },
            )
        )
        self.add(
            f.secret(
                "model-registry", "model-registry-db", age=50 * DAY, data={"database-password": "sandbox-db-password"}
            )
        )
        for ns in MODEL_NAMESPACES:
            self.add(
                f.config_map(
                    ns,
                    "model-config",
                    age=45 * DAY,
                    labels={"app.kubernetes.io/part-of": "inference-console"},
                    data={"presets.yaml": presets_yaml()},
                )
            )

    # -- KServe --
    def _kserve(self) -> None:
        f = self.f
        big = _feature_schema(f.rng)
        specs = [
            # name, ns, format, storageUri, gpus, cpu, memory, node(s), state, age, extra
            (
                "qwen-chat",
                "llm-prod",
                "huggingface",
                "hf://Qwen/Qwen2.5-7B-Instruct",
                1,
                "8",
                "48Gi",
                ["gpu-a100-0"],
                "running",
                6 * DAY,
                {},
            ),
            (
                "llama3-8b",
                "llm-prod",
                "huggingface",
                "hf://meta-llama/Llama-3.1-8B-Instruct",
                1,
                "8",
                "48Gi",
                ["gpu-a100-0", "gpu-a100-1"],
                "running",
                14 * DAY,
                {},
            ),
            (
                "gemma-9b",
                "llm-prod",
                "huggingface",
                "hf://google/gemma-2-9b-it",
                1,
                "4",
                "12Gi",
                ["gpu-a100-0"],
                "oom",
                2 * DAY,
                {},
            ),
            (
                "llama-70b",
                "llm-prod",
                "huggingface",
                "hf://meta-llama/Llama-3.1-70B-Instruct",
                8,
                "32",
                "320Gi",
                [None],
                "pending",
                50 * 60,
                {"args": ["--tensor-parallel-size=8"]},
            ),
            (
                "phi3-mini",
                "llm-staging",
                "huggingface",
                "pvc://model-cache/phi-3-mini-4k-instruct",
                1,
                "4",
                "16Gi",
                ["gpu-h100-0"],
                "imagepull",
                3 * HOUR,
                {"runtime": "vllm-custom", "image": "ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124"},
            ),
            (
                "qwen-small",
                "llm-staging",
                "huggingface",
                "hf://Qwen/Qwen2.5-0.5B-Instruct",
                1,
                "2",
                "16Gi",
                [],
                "stopped",
                9 * DAY,
                {},
            ),
            (
                "llama-8b-registry",
                "llm-staging",
                "huggingface",
                "model-registry://llama-3.1-8b-instruct/v3",
                1,
                "8",
                "48Gi",
                ["gpu-a100-1"],
                "running",
                35 * 60,
                {},
            ),
            (
                "granite-3b",
                "llm-staging",
                "huggingface",
                "oci://registry.internal/models/granite-3.0-3b-a800m-instruct:1.0",
                1,
                "4",
                "24Gi",
                ["gpu-l4-0"],
                "running",
                3 * DAY,
                {},
            ),
            (
                "resnet50",
                "vision",
                "onnx",
                "s3://vision-models/resnet50/onnx/1",
                1,
                "4",
                "8Gi",
                ["gpu-l4-0"],
                "running",
                21 * DAY,
                {},
            ),
            (
                "yolo-detector",
                "vision",
                "pytorch",
                "pvc://vision-models/yolov8m",
                1,
                "4",
                "8Gi",
                ["gpu-l4-0"],
                "running",
                10 * DAY,
                {"restarts": 2},
            ),
            (
                "sklearn-iris",
                "tabular",
                "sklearn",
                "gs://kfserving-examples/models/sklearn/1.0/model",
                0,
                "1",
                "2Gi",
                ["gpu-h100-0"],
                "running",
                25 * 60,
                {"annotations": {"note": ESCAPE_NOTE}},
            ),
            (
                "xgboost-fraud",
                "tabular",
                "xgboost",
                "s3://fraud-models/xgboost/v12",
                0,
                "2",
                "4Gi",
                ["gpu-a100-0", "gpu-h100-0"],
                "running",
                30 * DAY,
                {"annotations": {"fraud.acme.io/feature-schema": big}},
            ),
        ]
        for spec in specs:
            self._isvc(*spec)
        self._canary()

    def _isvc(
        self,
        name: str,
        ns: str,
        fmt: str,
        storage_uri: str,
        gpus: int,
        cpu: str,
        memory: str,
        nodes: list[str | None],
        state: str,
        age: float,
        extra: Obj,
    ) -> Obj:
        """One RawDeployment InferenceService; ``state`` is running | oom | pending | imagepull
        | stopped, ``extra`` may set runtime, image, args, annotations and restarts."""
        f = self.f
        runtime_name, image = RUNTIMES[fmt]
        runtime = extra.get("runtime")
        if extra.get("image"):
            image = extra["image"]
        replicas = max(1, len(nodes))
        isvc = inference_service(
            f,
            name,
            ns,
            age=age,
            stopped=state == "stopped",
            annotations=extra.get("annotations"),
            labels={
                "app.kubernetes.io/part-of": "model-serving",
                "team": "ml-platform" if ns != "vision" else "vision",
            },
            predictor=predictor_spec(
                fmt,
                storage_uri,
                cpu=cpu,
                memory=memory,
                gpus=gpus,
                min_replicas=replicas,
                max_replicas=replicas + 2,
                runtime=runtime,
                args=extra.get("args"),
                protocol_version="v2" if fmt == "sklearn" else None,
                service_account="default" if fmt == "huggingface" else None,
            ),
        )
        ts = f.ts(min(age, 3600))
        rt = runtime or runtime_name
        if state == "running":
            isvc["status"] = isvc_status_raw(name, ns, ts=ts, ready=True, runtime=rt, replicas=replicas)
            if runtime:
                isvc["status"]["servingRuntimeName"] = isvc["status"].pop("clusterServingRuntimeName")
        elif state == "stopped":
            isvc["status"] = isvc_status_stopped(name, ns, ts=f.ts(2 * DAY), runtime=rt)
        self.add(isvc)
        if state == "stopped":
            self.ev(
                isvc,
                "InferenceServiceStopped",
                f"InferenceService [{name}] is stopped",
                component="v1beta1Controllers",
                first_ago=2 * DAY,
            )
            return isvc

        pod_spec = predictor_pod_spec(name, fmt, storage_uri, gpus, cpu, memory, image, extra.get("args"))
        ready_count = len(nodes) if state == "running" else 0
        dep = predictor_deployment(
            f,
            isvc,
            pod_spec=pod_spec,
            pod_annotations=isvc_pod_annotations(storage_uri),
            replicas=replicas,
            ready=ready_count,
            age=age,
        )
        rs = f.replicaset(dep, age=age, ready=ready_count)
        svc = predictor_service(f, isvc, age=age)
        self.add(dep, rs, svc)
        pods = []
        for node in nodes:
            pod_age = age if state != "running" else min(age, f.rng.uniform(0.4, 1.0) * age)
            kw: Obj = {}
            if state == "oom":
                kw = {"restarts": 23, "message": ""}
            elif state == "pending":
                kw = {"message": UNSCHEDULABLE_GPU_MESSAGE}
            elif state == "running" and extra.get("restarts"):
                kw = {"restarts": extra["restarts"], "reason": "Error", "exit_code": 1}
            pod = f.pod(rs, node=node, age=pod_age, state=state, **kw)
            pods.append(pod)
            self.add(pod)
        pod = pods[0]
        pname = pod["metadata"]["name"]
        node = nodes[0]
        main_fp = "spec.containers{kserve-container}"
        if state == "running":
            for p, n in zip(pods, nodes):
                self.roles["healthy_pods"].append(
                    {"namespace": ns, "pod": p["metadata"]["name"], "container": "kserve-container", "node": n}
                )
            if age < HOUR:
                self._start_events(pod, node, age, image, main_fp)
                self.ev(
                    isvc,
                    "InferenceServiceReady",
                    f"InferenceService [{name}] is Ready",
                    component="v1beta1Controllers",
                    first_ago=max(age - 120, 5),
                )
        elif state == "oom":
            failure = {
                "reason": "ModelLoadFailed",
                "location": pname,
                "exitCode": 137,
                "message": f"Container kserve-container was OOMKilled while loading the model (memory limit {memory})",
                "time": f.ts(40),
            }
            isvc["status"] = isvc_status_raw(
                name,
                ns,
                ts=f.ts(2 * DAY - 300),
                ready=False,
                runtime=rt,
                model="failed",
                failure=failure,
                reason="MinimumReplicasUnavailable",
                message="Deployment does not have minimum availability.",
            )
            dep["status"]["conditions"][1] = {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.',
                "lastUpdateTime": f.ts(2 * DAY - 600),
                "lastTransitionTime": f.ts(2 * DAY - 600),
            }
            self.ev(
                pod,
                "Scheduled",
                f"Successfully assigned {ns}/{pname} to {node}",
                component="default-scheduler",
                first_ago=2 * DAY,
            )
            self.ev(
                pod,
                "Pulled",
                f'Container image "{image}" already present on machine',
                host=node,
                count=23,
                first_ago=2 * DAY - 200,
                last_ago=100,
                field_path=main_fp,
            )
            self.ev(
                pod,
                "Created",
                "Created container kserve-container",
                host=node,
                count=24,
                first_ago=2 * DAY - 200,
                last_ago=100,
                field_path=main_fp,
            )
            self.ev(
                pod,
                "Started",
                "Started container kserve-container",
                host=node,
                count=24,
                first_ago=2 * DAY - 200,
                last_ago=100,
                field_path=main_fp,
            )
            self.ev(
                pod,
                "BackOff",
                f"Back-off restarting failed container kserve-container in pod {pname}_{ns}({pod['metadata']['uid']})",
                type_="Warning",
                host=node,
                count=512,
                first_ago=2 * DAY - 150,
                last_ago=30,
                field_path=main_fp,
            )
            self.ev(
                self.nodes[node],
                "OOMKilling",
                "Memory cgroup out of memory: Killed process 48213 (python3) total-vm:"
                "96531148kB, anon-rss:12582912kB, file-rss:60416kB, shmem-rss:0kB, UID:1000 "
                "pgtables:26012kB oom_score_adj:-997",
                type_="Warning",
                component="kernel-monitor",
                host=node,
                count=23,
                first_ago=2 * DAY - 180,
                last_ago=40,
                namespace="default",
            )
            self.roles["crashloop"] = {
                "namespace": ns,
                "pod": pname,
                "container": "kserve-container",
                "node": node,
                "isvc": name,
                "memory": memory,
                "image": image,
                "reason": "OOMKilled",
            }
        elif state == "pending":
            isvc["status"] = isvc_status_raw(
                name,
                ns,
                ts=f.ts(age - 30),
                ready=False,
                runtime=rt,
                model="pending",
                reason="MinimumReplicasUnavailable",
                message="Deployment does not have minimum availability.",
            )
            self.ev(
                pod,
                "FailedScheduling",
                UNSCHEDULABLE_GPU_MESSAGE + " preemption: 0/4 nodes are available: "
                "4 No preemption victims found for incoming pod.",
                type_="Warning",
                component="default-scheduler",
                count=61,
                first_ago=age - 5,
                last_ago=50,
            )
            self.roles["pending"] = {"namespace": ns, "pod": pname, "isvc": name}
        elif state == "imagepull":
            isvc["status"] = isvc_status_raw(
                name,
                ns,
                ts=f.ts(age - 60),
                ready=False,
                runtime=rt,
                model="pending",
                reason="MinimumReplicasUnavailable",
                message="Deployment does not have minimum availability.",
            )
            isvc["status"]["servingRuntimeName"] = isvc["status"].pop("clusterServingRuntimeName")
            self.ev(
                pod,
                "Scheduled",
                f"Successfully assigned {ns}/{pname} to {node}",
                component="default-scheduler",
                first_ago=age,
            )
            self.ev(
                pod,
                "Pulling",
                f'Pulling image "{image}"',
                host=node,
                count=38,
                first_ago=age - 40,
                last_ago=290,
                field_path=main_fp,
            )
            self.ev(
                pod,
                "Failed",
                f'Failed to pull image "{image}": rpc error: code = NotFound '
                f'desc = failed to pull and unpack image "{image}": failed to resolve reference '
                f'"{image}": {image}: not found',
                type_="Warning",
                host=node,
                count=38,
                first_ago=age - 35,
                last_ago=290,
                field_path=main_fp,
            )
            self.ev(
                pod,
                "BackOff",
                f'Back-off pulling image "{image}"',
                host=node,
                count=790,
                first_ago=age - 30,
                last_ago=12,
                field_path=main_fp,
            )
            self.ev(
                pod,
                "Failed",
                "Error: ImagePullBackOff",
                tag="Failed:ImagePullBackOff",
                type_="Warning",
                host=node,
                count=790,
                first_ago=age - 30,
                last_ago=12,
                field_path=main_fp,
            )
            self.roles["imagepull"] = {
                "namespace": ns,
                "pod": pname,
                "container": "kserve-container",
                "node": node,
                "image": image,
                "isvc": name,
            }
        return isvc

    def _start_events(self, pod: Obj, node: str | None, age: float, image: str, field_path: str) -> None:
        md = pod["metadata"]
        cname = field_path.split("{", 1)[1].rstrip("}")
        self.ev(
            pod,
            "Scheduled",
            f"Successfully assigned {md['namespace']}/{md['name']} to {node}",
            component="default-scheduler",
            first_ago=age,
        )
        self.ev(
            pod,
            "Pulled",
            f'Container image "{image}" already present on machine',
            host=node,
            first_ago=age - 25,
            field_path=field_path,
        )
        self.ev(pod, "Created", f"Created container {cname}", host=node, first_ago=age - 24, field_path=field_path)
        self.ev(pod, "Started", f"Started container {cname}", host=node, first_ago=age - 23, field_path=field_path)

    def _canary(self) -> None:
        """mistral-7b: Serverless, revision 00002 at 10% next to 00001."""
        f = self.f
        name, ns, age = "mistral-7b", "llm-prod", 12 * DAY
        runtime, image = RUNTIMES["huggingface"]
        base_uri = "s3://models-prod/mistral-7b-instruct"
        isvc = inference_service(
            f,
            name,
            ns,
            age=age,
            mode="Serverless",
            generation=2,
            labels={"app.kubernetes.io/part-of": "model-serving", "team": "ml-platform"},
            predictor=predictor_spec(
                "huggingface",
                f"{base_uri}/v0.3",
                cpu="8",
                memory="48Gi",
                gpus=1,
                min_replicas=1,
                max_replicas=4,
                canary_percent=10,
            ),
        )
        isvc["status"] = isvc_canary_status(
            name,
            ns,
            prev_rev=revision_name(name, 1),
            latest_rev=revision_name(name, 2),
            percent=10,
            ts=f.ts(15 * 60),
            runtime=runtime,
            copies=3,
            observed_generation=2,
        )
        self.add(isvc)
        revs: dict[int, Obj] = {}
        for rev, uri, n_pods, rev_age in ((1, f"{base_uri}/v0.2", 2, age), (2, f"{base_uri}/v0.3", 1, 16 * 60)):
            objs = canary_revision_objects(f, isvc, rev, uri, image, replicas=n_pods, age=rev_age, node="gpu-h100-0")
            self.add(*objs["all"])
            revs[rev] = {
                "deployment": objs["deployment"]["metadata"]["name"],
                "replicaset": objs["replicaset"]["metadata"]["name"],
                "service": objs["service"]["metadata"]["name"],
                "pods": [p["metadata"]["name"] for p in objs["pods"]],
                "storageUri": uri,
            }
            if rev == 2:
                self._start_events(objs["pods"][0], "gpu-h100-0", rev_age, image, "spec.containers{kserve-container}")
            else:
                for p in objs["pods"]:
                    self.roles["healthy_pods"].append(
                        {
                            "namespace": ns,
                            "pod": p["metadata"]["name"],
                            "container": "kserve-container",
                            "node": "gpu-h100-0",
                        }
                    )
        self.roles["canary"] = {
            "namespace": ns,
            "isvc": name,
            "runtime": runtime,
            "image": image,
            "node": "gpu-h100-0",
            "storage_base": base_uri,
            "previous": 1,
            "revision": 2,
            "percent": 10,
            "revisions": revs,
        }

    # -- Yatai --
    def _yatai(self) -> None:
        f = self.f
        ns = "bentoml"
        bentos = [
            # name, repo, version, runners, gpus, age, available
            (
                "iris-classifier",
                "iris_classifier",
                "nxapohu4codzplg6",
                [("iris_clf", "SklearnRunnable")],
                0,
                30 * DAY,
                True,
            ),
            (
                "sentiment-api",
                "sentiment_analysis",
                "k3x7r2vqagmhwlg5",
                [("distilbert", "TransformersRunnable")],
                0,
                8 * DAY,
                True,
            ),
            (
                "summarizer",
                "text_summarizer",
                "b4zq5hwqw6tkq2w3",
                [("bart_large_cnn", "TransformersRunnable")],
                1,
                4 * DAY,
                True,
            ),
            (
                "fraud-detector",
                "fraud_detector",
                "q2tmz5fkwkp4mlg7",
                [("xgb_fraud", "XGBoostRunnable")],
                0,
                16 * DAY,
                False,
            ),
        ]
        # The version fraud-detector still runs while its new one fails to build.
        previous_fraud_version = "hz4ad2lqy2vcrlg6"
        for name, repo, version, runners, gpus, age, ok in bentos:
            br_name = f"{name}-{version[:6]}"
            br = bento_request(
                f,
                br_name,
                ns,
                repo=repo,
                version=version,
                image=_bento_image(repo, version),
                download_url=_bento_url(repo, version),
                age=age + 900,
                runners=runners,
            )
            self.add(br)
            if ok:
                br["status"] = bento_request_built(f.ts(age))
                self.add(bento(f, br, age=age + 60))
            else:
                # The new version's image build failed: Bento never produced.
                builder = image_builder_pod_name(f)
                br["status"] = bento_request_build_failed(builder, IMAGE_BUILD_ERROR, f.ts(2 * HOUR))
                self.add(
                    image_builder_pod(
                        f, br, builder, node="gpu-a100-0", age=2 * HOUR + 400, state="failed", message=IMAGE_BUILD_ERROR
                    )
                )
                self.ev(
                    br,
                    "ImageBuilderPodFailed",
                    f"Image builder pod {builder} failed: {IMAGE_BUILD_ERROR}",
                    type_="Warning",
                    component="yatai-image-builder",
                    first_ago=2 * HOUR,
                )
            bd = bento_deployment(
                f,
                name,
                ns,
                bento=br_name,
                runners=[r for r, _ in runners],
                gpus=gpus,
                age=age,
                labels={"app.kubernetes.io/part-of": "bentoml"},
            )
            if ok:
                bd["status"] = bento_deployment_available(name, f.ts(age - 300))
            else:
                bd["status"] = bento_deployment_bento_unavailable(name, ns, br_name, f.ts(2 * HOUR))
                bd["metadata"]["generation"] = 2
            self.add(bd)
            if not ok:
                self.ev(
                    bd,
                    "ReconcileError",
                    bd["status"]["conditions"][0]["message"],
                    type_="Warning",
                    component="yatai-deployment",
                    count=143,
                    first_ago=2 * HOUR,
                    last_ago=25,
                )
                self.roles["bento_failing"] = {"namespace": ns, "bentodeployment": name, "bentorequest": br_name}
            # The workloads (for the failing one: still the previous, working version).
            run_version = version if ok else previous_fraud_version
            for runner in [None, *(r for r, _ in runners)]:
                node = "gpu-l4-0" if (runner and gpus) else "gpu-a100-0"
                objs = bento_component(
                    f,
                    bd,
                    runner=runner,
                    repo=repo,
                    version=run_version,
                    image=_bento_image(repo, run_version),
                    age=age,
                    node=node,
                    pod_age=min(age, 3 * DAY),
                )
                self.add(*objs["all"])
                self.roles["healthy_pods"].append(
                    {"namespace": ns, "pod": objs["pod"]["metadata"]["name"], "container": "main", "node": node}
                )

        # One image still building (no deployment uses it yet).
        br = bento_request(
            f,
            "text-embedder-mx2hq4",
            ns,
            repo="text_embedder",
            version="mx2hq4lcrkhtvlg6",
            image=_bento_image("text_embedder", "mx2hq4lcrkhtvlg6"),
            download_url=_bento_url("text_embedder", "mx2hq4lcrkhtvlg6"),
            age=6 * 60,
        )
        br["status"] = bento_request_building(f.ts(5 * 60))
        self.add(br)

    # -- Takeoff --
    def _takeoff(self) -> None:
        f = self.f
        ns = "takeoff"
        stacks = [
            # name, age, {application: (node of its reader, values)}
            (
                "chat-stack",
                5 * DAY,
                {
                    "llama-reader": (
                        "gpu-a100-0",
                        {
                            "readerConfig": {
                                "modelName": "meta-llama/Llama-3.1-8B-Instruct",
                                "device": "cuda",
                                "consumerGroup": "primary",
                                "maxBatchSize": 32,
                            },
                            "resources": {
                                "limits": {"cpu": "8", "memory": "48Gi", GPU: 1},
                                "requests": {"cpu": "8", "memory": "48Gi", GPU: 1},
                            },
                        },
                    ),
                    "embedder": (
                        "gpu-h100-0",
                        {
                            "readerConfig": {
                                "modelName": "BAAI/bge-small-en-v1.5",
                                "device": "cpu",
                                "consumerGroup": "embed",
                            },
                            "image": {"tag": "0.22.0-cpu"},
                            "resources": {
                                "limits": {"cpu": "4", "memory": "8Gi"},
                                "requests": {"cpu": "2", "memory": "4Gi"},
                            },
                        },
                    ),
                },
            ),
            (
                "batch-stack",
                11 * DAY,
                {
                    "mistral-batch": (
                        "gpu-h100-0",
                        {
                            "readerConfig": {
                                "modelName": "mistralai/Mistral-7B-Instruct-v0.3",
                                "device": "cuda",
                                "consumerGroup": "batch",
                                "tensorParallel": 2,
                                "maxBatchSize": 64,
                            },
                            "replicaCount": 1,
                            "resources": {
                                "limits": {"cpu": "16", "memory": "96Gi", GPU: 2},
                                "requests": {"cpu": "16", "memory": "96Gi", GPU: 2},
                            },
                        },
                    ),
                    "qwen-coder": (
                        "gpu-a100-1",
                        {
                            "readerConfig": {
                                "modelName": "Qwen/Qwen2.5-Coder-7B-Instruct",
                                "device": "cuda",
                                "consumerGroup": "code",
                            },
                            "resources": {
                                "limits": {"cpu": "8", "memory": "48Gi", GPU: 1},
                                "requests": {"cpu": "8", "memory": "48Gi", GPU: 1},
                            },
                        },
                    ),
                },
            ),
        ]
        for name, age, readers in stacks:
            stack = inference_stack(
                f, name, ns, age=age, applications={app: values for app, (_, values) in readers.items()}
            )
            self.add(stack)
            self.add(*stack_gateway(f, stack, node="gpu-h100-0", age=age))
            for app, (node, values) in readers.items():
                objs = stack_reader(f, stack, app, values, node=node, age=age, pod_age=min(age, 2 * DAY))
                self.add(*objs["all"])
                self.roles["healthy_pods"].append(
                    {
                        "namespace": ns,
                        "pod": objs["pod"]["metadata"]["name"],
                        "container": f"{stack_fullname(name)}-{app}",
                        "node": node,
                    }
                )

    # -- Model Registry --
    def _model_registry(self) -> None:
        f = self.f
        age = 50 * DAY
        mr = model_registry(f, "modelregistry-public", "model-registry", age=age, db_secret="model-registry-db")
        self.add(mr)
        self.add(*model_registry_server(f, mr, age=age, node="gpu-a100-0", pod_age=20 * DAY))

    # -- scale: load-generator pods --
    def build_load(self, n: int, rng: random.Random) -> None:
        """``n`` running k6 pods spread over the model namespaces and the nodes."""
        f = Factory(rng, self.f.now)
        f.node_index = dict(self.f.node_index)
        namespaces = list(MODEL_NAMESPACES)
        per_ns = [n // len(namespaces) + (1 if i < n % len(namespaces) else 0) for i in range(len(namespaces))]
        node_names = [nd[0] for nd in NODES]
        created = f.ts(3 * HOUR)
        started = f.ts(3 * HOUR - 20)
        for ns, count in zip(namespaces, per_ns):
            if not count:
                continue
            labels = {"app": "load-generator", "app.kubernetes.io/part-of": "benchmarks"}
            pod_spec = {
                "containers": [_k6_container()],
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
            }
            dep = f.deployment(
                ns,
                "load-generator",
                labels=labels,
                pod_spec=pod_spec,
                replicas=count,
                age=3 * HOUR,
                owner=None,
                ready=count,
            )
            rs = f.replicaset(dep, age=3 * HOUR, ready=count)
            self.add(dep, rs)
            rs_name = rs["metadata"]["name"]
            pod_labels = rs["spec"]["template"]["metadata"]["labels"]
            oref = owner_ref(rs)
            names: set[str] = set()
            image_id = f.image_id(K6_IMAGE)
            for i in range(count):
                while True:
                    pname = f"{rs_name}-{f.safe(5)}"
                    if pname not in names:
                        names.add(pname)
                        break
                self.objs.append(
                    light_pod(
                        pname,
                        ns,
                        uid=f.uid(),
                        created=created,
                        started=started,
                        labels=pod_labels,
                        owner_reference=oref,
                        container=_k6_container(),
                        node=node_names[i % 4],
                        pod_ip=f"10.244.{200 + i // 250 % 50}.{i % 250 + 2}",
                        host_ip="10.0.1.1" + str(i % 4 + 1),
                        image_id=image_id,
                    )
                )


K6_IMAGE = "grafana/k6:0.54.0"


def _k6_container() -> Obj:
    return {
        "name": "k6",
        "image": K6_IMAGE,
        "args": ["run", "--vus", "4", "/scripts/soak.js"],
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
    }


def _feature_schema(rng: random.Random, target: int = 100_000) -> str:
    """A ~100 KB JSON annotation value (the kind people paste into annotations)."""
    kinds = ("float", "int", "category", "bool")
    parts: list[str] = []
    size = 2
    i = 0
    while size < target:
        item = json.dumps(
            {
                "name": f"txn_feature_{i:05d}",
                "type": kinds[rng.randrange(4)],
                "nullable": bool(rng.getrandbits(1)),
                "mean": round(rng.random(), 6),
            },
            separators=(",", ":"),
        )
        parts.append(item)
        size += len(item) + 1
        i += 1
    return "[" + ",".join(parts) + "]"
