"""The web UI's Python side: page handlers, server-side sessions, Markdown rendered at write
time, templating, and the database reads the pages need. The REST API never imports this
package (its post handlers use the Markdown pool through the Application's settings)."""
