// The production build: Entra ID sign-in only.
import { start } from './app.js';
import { entraSignIn } from './sign-in/entra.js';

start(entraSignIn);
