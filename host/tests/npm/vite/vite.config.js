// All the configuration wthreads needs: the headers that make the page cross-origin isolated,
// which shared memory needs, on the dev server and on `vite preview`.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
export default { server: { headers: isolation }, preview: { headers: isolation } };
