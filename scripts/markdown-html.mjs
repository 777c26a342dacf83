// A small Markdown → HTML converter for the README screenshots: exactly the
// subset the report renderer (src/report/markdown.ts) writes — headings,
// paragraphs, pipe tables with alignment, flat lists, block quotes, code
// spans, links, bold, italics, backslash escapes, HTML entities and comments.
// Not a general Markdown parser; nothing else in the project uses it.

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes text for HTML, keeping the entities (`&#58;`, `&amp;`) the renderer already wrote. */
function escapeText(text) {
  return text.replace(/&(?!#\d+;|#x[0-9a-f]+;|[a-z]+;)|[<>"]/gi, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/** Splits a table row on the pipes that are not escaped (`\|` stays in the cell). */
function splitRow(line) {
  const cells = [];
  let cell = '';
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i];
    if (ch === '\\' && body[i + 1] === '|') {
      cell += '\\|';
      i += 1;
    } else if (ch === '|') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

/** Inline Markdown: code spans first (literal), then escapes, links, bold, italics. */
export function renderInline(text, options = {}) {
  const parts = text.replace(/\\\|/g, '\uE000').split(/(`[^`]*`)/);
  return parts
    .map((part) => {
      if (/^`[^`]*`$/.test(part)) {
        return `<code>${escapeText(part.slice(1, -1).replace(/\uE000/g, '|'))}</code>`;
      }
      const escaped = [];
      let html = part.replace(/\uE000/g, '|').replace(/\\([\\`*_{}[\]()#+\-.!|~$<>])/g, (_, ch) => {
        escaped.push(ch);
        return `\uE001${escaped.length - 1}\uE002`;
      });
      html = escapeText(html)
        .replace(/\[([^\]]*)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2">$1</a>')
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[\s(])_([^_]+)_(?=$|[\s).,;:])/g, '$1<em>$2</em>')
        .replace(/\uE001(\d+)\uE002/g, (_, n) => escapeText(escaped[Number(n)]));
      return options.emoji ? options.emoji(html) : html;
    })
    .join('');
}

function alignments(separator) {
  return splitRow(separator).map((cell) =>
    cell.endsWith(':') ? (cell.startsWith(':') ? 'center' : 'right') : undefined,
  );
}

function renderTable(lines, options) {
  const [head, separator, ...rows] = lines;
  const align = alignments(separator);
  const cell = (tag, text, i) =>
    `<${tag}${align[i] ? ` align="${align[i]}"` : ''}>${renderInline(text, options)}</${tag}>`;
  return [
    '<table>',
    `<thead><tr>${splitRow(head)
      .map((c, i) => cell('th', c, i))
      .join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map(
      (row) =>
        `<tr>${splitRow(row)
          .map((c, i) => cell('td', c, i))
          .join('')}</tr>`,
    ),
    '</tbody></table>',
  ].join('\n');
}

/**
 * Converts the renderer's Markdown to HTML. `options.emoji(html)` may replace
 * emoji in text (GitHub draws them as images; a headless browser without an
 * emoji font cannot).
 */
export function markdownToHtml(markdown, options = {}) {
  const lines = markdown.replace(/<!--[\s\S]*?-->/g, '').split(/\r?\n/);
  const out = [];
  let i = 0;
  const take = (test) => {
    const block = [];
    while (i < lines.length && test(lines[i])) block.push(lines[i++]);
    return block;
  };
  while (i < lines.length) {
    const line = lines[i];
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (line.trim() === '') {
      i += 1;
    } else if (heading) {
      const level = heading[1].length;
      out.push(`<h${level}>${renderInline(heading[2], options)}</h${level}>`);
      i += 1;
    } else if (line.trimStart().startsWith('|') && /^\s*\|?\s*:?-{3}/.test(lines[i + 1] ?? '')) {
      out.push(
        renderTable(
          take((l) => l.trimStart().startsWith('|')),
          options,
        ),
      );
    } else if (/^\s*[-*] /.test(line)) {
      const items = take((l) => /^\s*[-*] /.test(l));
      out.push(
        `<ul>\n${items.map((l) => `<li>${renderInline(l.replace(/^\s*[-*] /, ''), options)}</li>`).join('\n')}\n</ul>`,
      );
    } else if (line.startsWith('>')) {
      const quoted = take((l) => l.startsWith('>')).map((l) => l.replace(/^> ?/, ''));
      out.push(`<blockquote>${markdownToHtml(quoted.join('\n'), options)}</blockquote>`);
    } else {
      const paragraph = take((l) => l.trim() !== '' && !/^(#{1,6}\s|\s*[-*] |>|\s*\|)/.test(l));
      if (paragraph.length === 0) paragraph.push(lines[i++]);
      out.push(`<p>${renderInline(paragraph.join(' '), options)}</p>`);
    }
  }
  return out.join('\n');
}
