// The local build: development sign-in (never shipped; see dev/console-build.ts).
import { start } from './app.js';
import { developmentSignIn } from './sign-in/development.js';

start(developmentSignIn);
