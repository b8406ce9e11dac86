// The types of src/vendor/zod.js are zod's own: the bundle is zod, with only the members bunseal
// uses (src/vendor/generate.ts). A member bunseal starts to use is added when the bundle is made again.
export { z } from "zod";
