export { OciLayout, type ResolvedImage, type WrittenBlob } from './oci-layout.js';
export {
  descriptorHasName,
  IMAGE_NAME_ANNOTATION,
  type LayoutName,
  layoutName,
  REF_NAME_ANNOTATION,
} from './ref-names.js';
