"""A Kubernetes API server emulator (aiohttp, plain HTTP) for tests and the offline demo.

    emu = KubeEmulator()                      # bookmark_interval=1.0, history_limit=100_000
    emu.install_crd_files(["crds/isvc.yaml"])
    url = await emu.start()                   # "http://127.0.0.1:PORT"
    write_kubeconfig(tmp / "kubeconfig", url)
    emu.create({...}); emu.patch("v1", "Pod", "ns", "name", {...})
    await emu.stop()

The synchronous object methods (create/apply/restore/update/patch/delete/get/list) must run
on the event loop the server runs on; they notify open watches at once.

Served over HTTP: discovery (/version, /api, /apis, per group-version lists; a minimal
/openapi/v3 index so kubectl validates on the server), built-in kinds and installed CRDs
(every served version), list with label/field selectors and limit/continue, watch with
history replay by resourceVersion, bookmarks, 410 Expired, sendInitialEvents, timeoutSeconds;
create/update/patch (merge, json, strategic, server-side apply)/delete with dryRun, status and
scale subresources, finalizers, Status errors, and server-side Table output.

Writes are checked as kube-apiserver checks them: custom resources against their CRD version's
openAPIV3Schema (pruning of unknown fields with fieldValidation Strict/Warn/Ignore and
``Warning`` headers, 422 Invalid with causes, ratcheting on update), ObjectMeta rules,
resourceVersion preconditions (PUT, patch bodies, DeleteOptions), and DELETE propagation
policies with a garbage collector for ownerReferences (Background/Foreground/Orphan).
``emu.add_listener(fn)`` sees every stored change; ``emu.owned_by(uid)`` lists dependents;
``emu.requests`` is the last 10,000 requests, ``emu.mutating_requests`` counts writes.

Module map: emulator (KubeEmulator), server (routes), respond (HTTP helpers), crud (object
rules, garbage collector), validation (schemas, pruning, field errors), storage (objects,
resourceVersion, history, owner index), watch (fan-out and streams), selectors, patch, apply
(server-side apply), table + jsonpath (printing), discovery, openapi, scale, resources +
builtin (kinds), status (Status errors), meta (timestamps, names), kubeconfig.
"""

from .emulator import DenyRule, KubeEmulator
from .kubeconfig import write_kubeconfig
from .server import RequestRecord
from .status import EmulatorError

__all__ = ["KubeEmulator", "EmulatorError", "write_kubeconfig", "RequestRecord", "DenyRule"]
