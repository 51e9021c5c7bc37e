"""The model refinery: new models built from existing ones (pruning, distillation, amalgamation,
common feature learning, task branching). ``contract.py`` is what the algorithms and the job
plumbing agree on."""
