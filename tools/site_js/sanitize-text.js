// Stands in for the sanitize-html package in the book's widget bundle (esbuild alias; see widgets-embed.js).
// The widget manager sanitizes a description only when a widget sets description_allow_html: the book's
// widgets never do. This version keeps no markup at all: every character that could start a tag or an entity
// is escaped, so such a description shows as plain text. Saves about 240 kB (htmlparser2, entities, postcss).
export default function sanitize(source) {
  return String(source).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
