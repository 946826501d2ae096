"""The demo sandbox: a Kubernetes API emulator seeded with a model-serving cluster.

``inference-console demo`` starts :class:`console.sandbox.runner.Sandbox` in a
background thread and connects to it through a generated kubeconfig, the same code
path as a real cluster.  Nothing in this package imports Textual.

Modules, by job:

* ``apiserver/`` -- the Kubernetes API emulator (also the test server);
* ``shapes/`` -- pure builders of object shapes (``core``: pods, Deployments, ReplicaSets,
  Services, Events, Nodes...; ``kserve``, ``yatai``, ``takeoff``, ``modelregistry``: each
  operator's resources and what its controller creates), shared by the scenario and the
  controller, with no knowledge of the demo;
* ``scenario`` -- the demo cluster itself, read as a description (namespaces, nodes, which
  models are healthy and which fail and why, ...); more demo data (metrics, logs, registry
  contents) goes beside it;
* ``crds`` -- the demo's compact, open-schema CRDs;
* ``controller/`` -- the simulated controllers that keep the demo moving (``simulated``: the
  tick loop and the scenario's stories; ``reactions``: what the real controllers do on edits);
* ``runner`` -- the background thread that serves, seeds and ticks.
"""
