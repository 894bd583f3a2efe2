// Loads a .heapsnapshot with Chrome DevTools' own loader (the
// heap-snapshot-toolkit package, path in $TOOLKIT) and prints what DevTools
// computed, as one JSON document:
//   {node_count, edge_count, nodes: [[id, name, self_size, retained_size,
//    dominator id], ...]}
// Usage: TOOLKIT=.../index.js node heapsnapshot_check.mjs FILE
import { createReadStream } from 'node:fs'

const toolkit = await import(process.env.TOOLKIT)
const snapshot = await toolkit.parse(createReadStream(process.argv[2], 'utf-8'))
const nodes = snapshot.nodes
const fields = snapshot.nodeFieldCount
const rows = []
for (let ordinal = 0; ordinal < snapshot.nodeCount; ordinal++) {
  const at = ordinal * fields
  const dominator = snapshot.dominatorsTree[ordinal]
  rows.push([
    nodes.getValue(at + snapshot.nodeIdOffset),
    snapshot.strings[nodes.getValue(at + snapshot.nodeNameOffset)],
    nodes.getValue(at + snapshot.nodeSelfSizeOffset),
    snapshot.retainedSizes[ordinal],
    nodes.getValue(dominator * fields + snapshot.nodeIdOffset)
  ])
}
process.stdout.write(JSON.stringify({
  node_count: snapshot.nodeCount,
  edge_count: snapshot.containmentEdges.length / snapshot.edgeFieldsCount,
  nodes: rows
}))
