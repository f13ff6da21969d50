"""A Mermaid flowchart of the contracts: services, calls, events and datasets.

- services are nodes; a service referenced without a contract is shown as "(no contract)";
- synchronous calls are solid arrows caller -> provider, labelled with the operation;
- events are dashed arrows producer -> consumer, labelled with the topic;
- datasets are dotted arrows provider -> reader, labelled with the dataset.

The output is deterministic: nodes and edges sorted, so the same files give the same bytes.
"""

from __future__ import annotations

from sddkit.contracts.contract_model import ContractSet

#: Dash patterns that tell events (dashed) from datasets (dotted); both use Mermaid's ``-.->``.
EVENT_STYLE = "stroke-dasharray: 6 4"
DATASET_STYLE = "stroke-dasharray: 1 4"


def node_id(service: str) -> str:
    """A Mermaid node id for a service slug (never a keyword such as ``end``)."""
    return "svc_" + service.replace("-", "_")


def _label(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def mermaid(cs: ContractSet) -> str:
    """The Mermaid source (``flowchart LR``), ending with a newline."""
    contracts = cs.contracts
    calls = sorted({(c.service, k.service, k.operation)
                    for c in contracts.values() for k in c.calls})
    reads = sorted({(r.service, c.service, r.name)
                    for c in contracts.values() for r in c.reads})
    producers: dict[str, set[str]] = {}
    for c in contracts.values():
        for ev in c.events:
            producers.setdefault(ev.topic, set()).add(c.service)
    events = sorted({(p, c.service, e.topic)
                     for c in contracts.values() for e in c.consumes
                     for p in producers.get(e.topic, ())})
    services = set(contracts) | {b for _, b, _ in calls} | {a for a, _, _ in reads}

    out = [
        "flowchart LR",
        "    %% sdd contracts graph: solid = synchronous call (operation),",
        "    %% dashed = event (topic), dotted = dataset (name)",
    ]
    for name in sorted(services):
        shown = name if name in contracts else f"{name} (no contract)"
        out.append(f"    {node_id(name)}[{_label(shown)}]")
    for a, b, op in calls:
        out.append(f"    {node_id(a)} -->|{_label(op)}| {node_id(b)}")
    for a, b, topic in events:
        out.append(f"    {node_id(a)} -.->|{_label(topic)}| {node_id(b)}")
    for a, b, dataset in reads:
        out.append(f"    {node_id(a)} -.->|{_label(dataset)}| {node_id(b)}")
    first_event = len(calls)
    first_read = first_event + len(events)
    if events:
        indexes = ",".join(str(i) for i in range(first_event, first_read))
        out.append(f"    linkStyle {indexes} {EVENT_STYLE}")
    if reads:
        indexes = ",".join(str(i) for i in range(first_read, first_read + len(reads)))
        out.append(f"    linkStyle {indexes} {DATASET_STYLE}")
    return "\n".join(out) + "\n"
