"""Approvals: who may approve (CODEOWNERS, signed mode), a person's acts refused in an
agent's shell, and the gate history read from git (``sdd log``).
"""
