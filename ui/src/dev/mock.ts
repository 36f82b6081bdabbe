// Dev-only fake backend (VITE_MOCK=1). Filled in below.
export function installMock(): void {}
