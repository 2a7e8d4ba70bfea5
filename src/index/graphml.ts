import type { RelatedPaper } from './graph.js';

// Characters XML 1.0 cannot hold at all, even escaped (controls, lone surrogates, U+FFFE/U+FFFF).
const NOT_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Whether a text holds anything escapeXml changes: most titles and ids do not, and a million papers' worth of six replaces each is seconds. */
const NEEDS_ESCAPING = new RegExp(`[&<>"']|${NOT_XML.source}`, 'u');

export function escapeXml(text: string): string {
  if (!NEEDS_ESCAPING.test(text)) return text;
  return text
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export interface GraphNode {
  id: string;
  title: string;
  /** Topic label and number, once papers are clustered. */
  topic?: { id: number; label: string };
}

/**
 * The related-paper graph as GraphML (Gephi, Cytoscape, yEd, networkx):
 * undirected, one edge per related pair weighted by cosine similarity, marked
 * mutual when each paper is among the other's neighbours. Made a line at a
 * time (each ending in a newline), as it is written: at a million papers the
 * file is more than one string can hold.
 */
export function* toGraphml(nodes: readonly GraphNode[], related: readonly RelatedPaper[][]): Generator<string> {
  const withTopics = nodes.some((node) => node.topic);
  const head = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    '  <key id="title" for="node" attr.name="title" attr.type="string"/>',
    ...(withTopics
      ? ['  <key id="topic" for="node" attr.name="topic" attr.type="string"/>', '  <key id="topicId" for="node" attr.name="topicId" attr.type="int"/>']
      : []),
    '  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>',
    '  <key id="mutual" for="edge" attr.name="mutual" attr.type="boolean"/>',
    '  <graph id="related-papers" edgedefault="undirected">',
  ];
  for (const line of head) yield line + '\n';
  // each id is escaped once, for its node and every edge of it
  const ids = nodes.map((node) => escapeXml(node.id));
  for (const [row, node] of nodes.entries()) {
    const topic = node.topic ? `<data key="topic">${escapeXml(node.topic.label)}</data><data key="topicId">${node.topic.id}</data>` : '';
    yield `    <node id="${ids[row]}"><data key="title">${escapeXml(node.title)}</data>${topic}</node>\n`;
  }
  let edge = 0;
  for (const [row, list] of related.entries()) {
    for (const neighbour of list) {
      // a mutual edge is kept from both ends: write it once, from the lower row
      if (neighbour.mutual && neighbour.row < row) continue;
      yield `    <edge id="e${edge++}" source="${ids[row]}" target="${ids[neighbour.row]}"><data key="weight">${neighbour.score.toFixed(4)}</data><data key="mutual">${neighbour.mutual}</data></edge>\n`;
    }
  }
  yield '  </graph>\n';
  yield '</graphml>\n';
}
