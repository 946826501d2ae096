"""The one action layer every mutation goes through.

Screens build a :class:`~inference_console.actions.types.Mutation` (usually with the pure
builders in :mod:`inference_console.actions.patches` or the edit pipeline in
:mod:`inference_console.actions.edit`) and hand it to :class:`~inference_console.actions.layer.ActionLayer`,
which refuses it in read-only mode, sends it, audits it and returns an
:class:`~inference_console.actions.types.ActionResult` with either the object or a clear error.
Widgets and screens never call the Kubernetes client directly.
"""
