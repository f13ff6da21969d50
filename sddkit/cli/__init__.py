"""Front ends: the ``sdd`` console script and its click-free ``sdd next`` fast path, the
click root group and commands, the one error boundary, and the MCP adapter. The only
package that imports click; nothing outside it imports from it.
"""
