"""A project and its gates: the phase documents, the gate transitions, readiness, the
cached listing rows, the next step, status, the inventory and the archive.
"""
