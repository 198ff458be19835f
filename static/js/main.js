// Entry point of every page: relative times, and on live pages the websocket, the thread
// list, the open conversation and the support inbox.

import { LiveSocket } from './live.js';
import { Sidebar } from './sidebar.js';
import { SupportChat, SupportInbox } from './support.js';
import { ThreadView } from './thread.js';
import { startRelativeTimes } from './time.js';

startRelativeTimes();

const since = document.body.dataset.lastEvent;
if (since !== undefined) {
  const live = new LiveSocket({ since: Number(since), status: document.getElementById('connection') });
  const dataEl = document.getElementById('thread-data');
  const data = dataEl ? JSON.parse(dataEl.textContent) : null;
  const sidebar = document.getElementById('sidebar');
  if (sidebar) new Sidebar(sidebar, live, data ? data.thread : null);
  if (data) new ThreadView(data, live);
  const inbox = document.getElementById('support-inbox');
  if (inbox) new SupportInbox(inbox, live);
  const supportPanel = document.getElementById('support-panel');
  if (supportPanel) new SupportChat(supportPanel, live);
  live.connect();
}
