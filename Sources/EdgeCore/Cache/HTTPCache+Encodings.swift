import NIOCore

extension HTTPCache {
    /// Keeps `encoded` beside the stored variant under `key`/`secondaryKey`, when that variant still
    /// holds the body it was made from (same timing and length; a freshened or replaced response does not match, and the form is simply made again later) and the entry stays within
    /// the largest object size. Returns the stored response with the form attached, or nil when it
    /// was not kept (gone, replaced, or too large).
    @discardableResult
    public func attachEncoding(
        _ encoded: EncodedBody, to key: CacheKey, secondaryKey: SecondaryKey, sourceTiming: StoredResponseTiming, sourceBytes: Int
    ) -> CachedResponse? {
        var result: CachedResponse?
        let limit = maxObjectBytes
        store.update(key) { current in
            guard var variants = current else { return nil }
            guard let response = variants.first(where: { $0.secondaryKey == secondaryKey }),
                  response.body.readableBytes == sourceBytes, response.timing == sourceTiming,
                  variants.storeCost + encoded.body.readableBytes + EncodedBodies.allowance <= limit else { return variants }
            _ = variants.modify(secondaryKey: secondaryKey) { response in
                response.encodings.set(encoded, prepared: response.preparedClientHeaders, storedHeaders: response.headers)
                result = response
            }
            return variants
        }
        return result
    }
}
