// The types of what Vite adds to modules: imports of styles and assets, import.meta.env.
/// <reference types="vite/client" />
