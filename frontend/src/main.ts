import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import './images/images.css';
import './annotate/annotate.css';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');

// Dropped files must not navigate the desktop window away from the app.
for (const type of ['dragover', 'drop'] as const) {
  window.addEventListener(type, (e) => e.preventDefault());
}

export default mount(App, { target });
