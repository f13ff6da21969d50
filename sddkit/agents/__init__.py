"""Coding agents: the pointer blocks, hooks, skills and MCP entries ``sdd agents`` writes,
the hooks they run (briefing, guard), and detecting an agent's shell.
"""
