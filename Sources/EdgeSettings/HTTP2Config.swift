/// `[http2]`: what one HTTP/2 client connection may use, and the limits that stop abuse
/// (rapid reset, CONTINUATION and control-frame floods, stream exhaustion).
public struct HTTP2Config: Sendable, Codable, Equatable {
    /// Streams a client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
    public var maxConcurrentStreams: Int = 128
    /// Largest decoded request header list (SETTINGS_MAX_HEADER_LIST_SIZE).
    public var maxHeaderListSize: ByteSize = .kibibytes(64)
    /// HPACK dynamic table the client may make the edge keep (SETTINGS_HEADER_TABLE_SIZE).
    public var headerTableSize: ByteSize = .kibibytes(4)
    /// Flow-control window per stream for request bodies (SETTINGS_INITIAL_WINDOW_SIZE).
    public var initialWindowSize: ByteSize = .kibibytes(1024)
    /// Flow-control window for the whole connection.
    public var connectionWindowSize: ByteSize = .mebibytes(4)
    /// Largest frame the edge accepts (SETTINGS_MAX_FRAME_SIZE).
    public var maxFrameSize: ByteSize = .kibibytes(16)
    /// Streams a client may reset within `reset_window` before the connection is closed (CVE-2023-44487).
    public var maxResets: Int = 200
    public var resetWindow: TimeSpan = .seconds(30)
    /// CONTINUATION frames in a row before the connection is closed (CVE-2024-27316 and kin).
    public var maxContinuationFrames: Int = 5
    /// PING and SETTINGS frames within `control_frame_window` before the connection is closed.
    public var maxControlFrames: Int = 200
    public var controlFrameWindow: TimeSpan = .seconds(30)
    /// Protocol misbehaviours tolerated on one connection before it is closed.
    public var maxGlitches: Int = 200

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxConcurrentStreams = "max_concurrent_streams"
        case maxHeaderListSize = "max_header_list_size"
        case headerTableSize = "header_table_size"
        case initialWindowSize = "initial_window_size"
        case connectionWindowSize = "connection_window_size"
        case maxFrameSize = "max_frame_size"
        case maxResets = "max_resets"
        case resetWindow = "reset_window"
        case maxContinuationFrames = "max_continuation_frames"
        case maxControlFrames = "max_control_frames"
        case controlFrameWindow = "control_frame_window"
        case maxGlitches = "max_glitches"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HTTP2Config()
        maxConcurrentStreams = try c.field(.maxConcurrentStreams, default: d.maxConcurrentStreams)
        maxHeaderListSize = try c.field(.maxHeaderListSize, default: d.maxHeaderListSize)
        headerTableSize = try c.field(.headerTableSize, default: d.headerTableSize)
        initialWindowSize = try c.field(.initialWindowSize, default: d.initialWindowSize)
        connectionWindowSize = try c.field(.connectionWindowSize, default: d.connectionWindowSize)
        maxFrameSize = try c.field(.maxFrameSize, default: d.maxFrameSize)
        maxResets = try c.field(.maxResets, default: d.maxResets)
        resetWindow = try c.field(.resetWindow, default: d.resetWindow)
        maxContinuationFrames = try c.field(.maxContinuationFrames, default: d.maxContinuationFrames)
        maxControlFrames = try c.field(.maxControlFrames, default: d.maxControlFrames)
        controlFrameWindow = try c.field(.controlFrameWindow, default: d.controlFrameWindow)
        maxGlitches = try c.field(.maxGlitches, default: d.maxGlitches)
    }
}
