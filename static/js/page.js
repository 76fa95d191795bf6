// Pages without a feed of their own (activity, search): sidebar, presence, post actions.

import { wirePostActions } from './posts.js';
import { wireMessaging } from './reactions.js';
import { startPage } from './ui.js';

wirePostActions();
wireMessaging();
startPage();
