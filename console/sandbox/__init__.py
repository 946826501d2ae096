"""The demo sandbox: a Kubernetes API emulator seeded with a model-serving cluster.

``inference-console demo`` starts :class:`console.sandbox.runner.Sandbox` in a
background thread and connects to it through a generated kubeconfig, the same code
path as a real cluster.  Nothing in this package imports Textual.

Modules: ``apiserver/`` (the emulator, also the test server), ``seed`` (the cluster),
``crds`` (the demo's compact, open-schema CRDs), ``controller`` (the stories that keep the
demo moving) and ``reconcile`` (the controllers' reactions to edits), ``runner`` (the thread).
"""
