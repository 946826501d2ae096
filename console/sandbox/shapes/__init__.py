"""The shapes of Kubernetes objects, as an API server returns them (plain camelCase dicts).

Pure builders shared by the demo scenario (:mod:`inference_console.sandbox.scenario`) and the
simulated controller (:mod:`inference_console.sandbox.controller`): functions of their
arguments, plus a :class:`~inference_console.sandbox.shapes.core.Factory` that draws uids,
generated names and IPs from a seeded ``rng`` and measures ages from its ``now``.  Nothing
here knows the demo cluster (its namespaces, nodes, models or failures) and nothing does I/O.

* :mod:`.core` -- metadata, Namespaces, Secrets, ConfigMaps, Nodes, Deployments,
  ReplicaSets, Pods and their statuses, Services, Events, ownerReferences;
* :mod:`.kserve` -- InferenceServices, their predictors and KServe's statuses;
* :mod:`.yatai` -- BentoRequests, Bentos, BentoDeployments and their workloads;
* :mod:`.takeoff` -- InferenceStacks and what the inference-stack chart renders;
* :mod:`.modelregistry` -- ModelRegistries and their REST server.
"""
