// The browser the test tools drive: headless Chromium over the DevTools protocol, or headless
// Firefox over WebDriver BiDi with WTHREADS_BROWSER=firefox. Both modules have one interface.
export const BROWSER = process.env.WTHREADS_BROWSER === 'firefox' ? 'Firefox' : 'Chromium';
export const { launch } = await import(BROWSER === 'Firefox' ? './firefox.mjs' : './chromium.mjs');
