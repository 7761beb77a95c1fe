import { markdownTable } from './format.ts';
import type { ReportDocument } from './report-document.ts';

/** A report document as GitHub-flavoured Markdown; charts are linked as their PNG files. */
export function reportMarkdown(doc: ReportDocument): string {
  const out: string[] = [`# ${doc.title}`, ''];
  for (const block of doc.blocks) {
    switch (block.kind) {
      case 'heading':
        out.push(`## ${block.text}`, '');
        break;
      case 'paragraph':
        out.push(block.text, '');
        break;
      case 'list':
        out.push(...block.items.map((i) => `- ${i}`), '');
        break;
      case 'table':
        out.push(`### ${block.table.title}`, '');
        if (block.table.note) out.push(block.table.note, '');
        out.push(markdownTable(block.table.header, block.table.rows), '');
        break;
      case 'chart':
        out.push(`![${block.spec.title}](${block.png})`, '', `*${block.caption}*`, '');
        break;
    }
  }
  return out.join('\n');
}
