"""The simulated controllers that keep the demo cluster moving.

* ``simulated.py`` -- :class:`SimulatedController`: the tick loop (``step()``, ``run()``), the
  scripted stories of the scenario (the crash loop, the image pull, the pending pod, the canary
  rollout, a healthy pod restarting now and then, the failing BentoDeployment) and the write
  helpers every reaction goes through;
* ``reactions.py`` -- :class:`~inference_console.sandbox.controller.reactions.Reconciler`
  (``SimulatedController.reconciler``): what KServe, Yatai, the Helm operator, the Deployment
  and ReplicaSet controllers, the scheduler and the kubelet do when someone edits an object.

The reconciler uses only the controller's public members (``emu``, ``clock``, ``factory``,
``ticks``, ``changes``, ``roles``, ``get``, ``pod``, ``event``, ``set_ready``,
``canary_status``, ``canary_resumed``); each tick the controller calls ``reconciler.step()``.
"""

from .simulated import SimulatedController

__all__ = ["SimulatedController"]
