"""Plumbing: atomic writes, front matter, managed blocks, git, templates, Markdown code
lines, JSON settings files and the cache store. No sddkit rule lives here.
"""
