"""Every write of desired state and drift. Views, admin actions, tasks and commands call
these and nothing else."""
